"""The k x k windows of a conv over a code map, as gather indices into tap-major tables.

A conv of a one-hot map with stride s and zero padding p is, at output pixel q,

    conv(m)(q) = b + sum over taps t of W[:, :, t] @ vector(code at s q + t - p)

so with a table whose row ``t * (num_codes + 1) + code`` holds ``W[:, :, t] @ vector(code)``
(`codes.code_vectors`; the OUTSIDE row is zero) the conv is k*k row reads per pixel. `Windows`
pads the codes with OUTSIDE and gives those rows three ways: all pixels at once (`tap_index`,
for ``embedding_bag``), one shifted view per tap (`tap_views`, for the ONNX graph), or the
windows of chosen pixels only (`window_positions`, for the fast path's boundary pixels).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def pad_codes(codes: torch.Tensor, padding: int, outside: int) -> torch.Tensor:
    """(N, H, W) codes -> (N, H + 2p, W + 2p), the border filled with the ``outside`` code."""
    return F.pad(codes, (padding,) * 4, value=outside)


def tap_views(padded: torch.Tensor, kernel_size: int, stride: int, out_shape: tuple[int, int]) -> list[torch.Tensor]:
    """k*k views (N, H_out, W_out) of a padded code map: view t holds the code that tap t
    (row-major, t = dy * k + dx) of each output pixel's window reads."""
    h_out, w_out = out_shape
    s = stride
    return [
        padded[:, dy : dy + s * (h_out - 1) + 1 : s, dx : dx + s * (w_out - 1) + 1 : s]
        for dy in range(kernel_size)
        for dx in range(kernel_size)
    ]


class Windows:
    """The windows of a (k, stride, padding) conv over codes (N, H, W) in 0..num_codes-1.

    Attributes:
        shape: (N, H_out, W_out) of the conv's output.
        outside: the code past the border, ``num_codes``; table rows per tap: ``num_codes + 1``.
        padded_codes: (N * (H + 2p) * (W + 2p),) the padded map, flat.
        extras: (N, E, H, W) uncoded extras at this resolution (convolved apart), or None.
        derived: anything a layer derives from these windows alone (the training backward's
            sparse matrix), computed once per map and shared by all layers at this resolution.
    """

    def __init__(
        self,
        codes: torch.Tensor,
        num_codes: int,
        kernel_size: int,
        stride: int = 1,
        padding: int | None = None,
        extras: torch.Tensor | None = None,
    ) -> None:
        k, s = kernel_size, stride
        p = k // 2 if padding is None else padding
        n, h, w = codes.shape
        self.kernel_size, self.stride, self.pad = k, s, p
        self.codes = codes
        self.num_codes = num_codes
        self.extras = extras
        self.outside = num_codes
        self.shape = (n, (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1)
        self.padded_shape = (n, h + 2 * p, w + 2 * p)
        self._padded = pad_codes(codes, p, self.outside)
        self.padded_codes = self._padded.reshape(-1)
        self.rows = k * k * (num_codes + 1)
        # Computed once per map: the fast path reads them in every layer at this resolution.
        self.tap_offsets = torch.arange(k * k, device=codes.device) * (num_codes + 1)  # each tap's first table row
        taps = torch.arange(k, device=codes.device)
        self._window_offsets = (taps.view(-1, 1) * self.padded_shape[2] + taps.view(1, -1)).reshape(-1)
        self._tap_index: torch.Tensor | None = None
        self._irregular: dict[int, torch.Tensor] = {}
        self.derived: dict = {}

    @property
    def num_pixels(self) -> int:
        n, h, w = self.shape
        return n * h * w

    def tap_index(self) -> torch.Tensor:
        """(N * H_out * W_out, k*k): entry [q, t] = the table row tap t of output pixel q reads."""
        if self._tap_index is None:
            views = tap_views(self._padded, self.kernel_size, self.stride, self.shape[1:])
            self._tap_index = (torch.stack(views, dim=-1) + self.tap_offsets).view(-1, self.kernel_size**2)
        return self._tap_index

    # ---- stride 1, padding k // 2: positions in the padded grid (the fast path) ----------------
    def window_positions(self, pixels: torch.Tensor) -> torch.Tensor:
        """(P,) flat pixels of (N, H, W) -> (P, k*k) flat positions of their windows in the padded
        grid (N, H + 2p, W + 2p), taps in row-major order."""
        n, h, w = self.shape
        _, hp, wp = self.padded_shape
        image, rest = pixels.div(h * w, rounding_mode="floor"), pixels.remainder(h * w)
        top_left = image * (hp * wp) + rest.div(w, rounding_mode="floor") * wp + rest.remainder(w)
        return top_left.unsqueeze(1) + self._window_offsets

    def centre_positions(self, pixels: torch.Tensor) -> torch.Tensor:
        """(P,) pixels -> (P,) their own positions in the padded grid."""
        return self.window_positions(pixels)[:, self.kernel_size * self.kernel_size // 2]

    def irregular(self, radius: int) -> torch.Tensor:
        """Pixels whose (2r+1)^2 neighbourhood holds more than one code or reaches past the image.

        Every other pixel is inside a uniform region, where anything computed from that
        neighbourhood alone is a function of the pixel's own code. With uncoded extras nothing
        is known to be uniform and every pixel is returned.
        """
        if radius not in self._irregular:
            self._irregular[radius] = self._find_irregular(radius)
        return self._irregular[radius]

    def _find_irregular(self, radius: int) -> torch.Tensor:
        everything = torch.arange(self.num_pixels, device=self.codes.device)
        if self.extras is not None:
            return everything
        if radius == 0:
            return everything[:0]
        # Codes are < 2**24, so float32 holds them exactly for the pooling.
        c = self.codes.unsqueeze(1).to(torch.float32)
        size = 2 * radius + 1
        uniform = (F.max_pool2d(c, size, 1, radius) == c) & (-F.max_pool2d(-c, size, 1, radius) == c)
        uniform[..., :radius, :] = False
        uniform[..., -radius:, :] = False
        uniform[..., :, :radius] = False
        uniform[..., :, -radius:] = False
        return uniform.reshape(-1).logical_not().nonzero().squeeze(1)
