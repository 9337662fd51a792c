"""Differentiable augmentation of everything the discriminator sees (DiffAugment, Zhao et al.,
NeurIPS 2020), adapted to a discriminator that is conditioned on the label map.

Why: the embedded street model learns from 367 frames. A discriminator that sees the same few
hundred photographs for tens of epochs can memorise them, and its gradients then tell the
generator less about what a street looks like. DiffAugment transforms real and generated pictures
alike, in every discriminator call (its update and the generator's), with operations that
gradients pass through, so the generator is never asked to reproduce the augmentation itself.

Conditioning changes one thing: the label map must move with its picture, or the discriminator
would learn that shifted pairs disagree. So per sample one set of parameters is drawn per
micro-batch and shared by the label map, the real photo and the fake:

- ``color``: brightness + U(-0.5, 0.5), saturation x U(0, 2), contrast x U(0.5, 1.5) (images on
  [-1, 1]; labels untouched);
- ``translation``: a shift of up to 1/8 of each side, in whole pixels, with the border pixels
  repeated (DiffAugment pads with zeros; repeating keeps every label pixel a valid one-hot vector);
- ``cutout``: a rectangle of half each side, at a random centre, set to 0 in the image only (the
  label map keeps saying what was there, for real and fake alike).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from gaugan.nn.memory_layout import memory_layout

OPERATIONS = ("color", "translation", "cutout")


def parse_operations(spec: str) -> tuple[str, ...]:
    """"color,translation" -> ("color", "translation"); "" -> (); unknown names are an error."""
    names = tuple(name.strip() for name in spec.split(",") if name.strip())
    unknown = [name for name in names if name not in OPERATIONS]
    if unknown:
        raise ValueError(f"d_augment: unknown operation {unknown[0]!r}; choose from {', '.join(OPERATIONS)} "
                         f"(comma-separated, e.g. 'color,translation,cutout'), or '' for none")
    return names


@dataclass
class AugmentParams:
    """One micro-batch's draws, per sample (N of them), for pictures of H x W.

    brightness, saturation, contrast: (N, 1, 1, 1) or None (no colour change).
    rows, cols: (N, H) and (N, W) source indices after translation, or None.
    keep: (N, 1, H, W) 1 outside the cut-out rectangle, 0 inside, or None.
    """

    brightness: torch.Tensor | None = None
    saturation: torch.Tensor | None = None
    contrast: torch.Tensor | None = None
    rows: torch.Tensor | None = None
    cols: torch.Tensor | None = None
    keep: torch.Tensor | None = None

    def labels(self, semantics: torch.Tensor) -> torch.Tensor:
        """(N, C, H, W) label map -> the same, translated (the only operation labels follow)."""
        return self._translate(semantics)

    def image(self, image: torch.Tensor) -> torch.Tensor:
        """(r*N, 3, H, W) pictures -> augmented; picture i uses sample i mod N's parameters (the
        discriminator's update judges fakes and reals of the same label maps in one batch)."""
        repeats = image.size(0) // self._batch()
        if self.brightness is not None:
            image = image + _tile(self.brightness, repeats)
            mean = image.mean(1, keepdim=True)
            image = (image - mean) * _tile(self.saturation, repeats) + mean
            mean = image.mean((1, 2, 3), keepdim=True)
            image = (image - mean) * _tile(self.contrast, repeats) + mean
        image = self._translate(image)
        if self.keep is not None:
            image = image * _tile(self.keep, repeats).to(image.dtype)
        return image

    def _batch(self) -> int:
        for value in (self.brightness, self.rows, self.keep):
            if value is not None:
                return value.size(0)
        return 1

    def _translate(self, x: torch.Tensor) -> torch.Tensor:
        if self.rows is None:
            return x
        repeats = x.size(0) // self.rows.size(0)
        rows, cols = _tile(self.rows, repeats), _tile(self.cols, repeats)
        batch = torch.arange(x.size(0), device=x.device)[:, None, None]
        # Advanced indexing gathers (n, rows[n, i], cols[n, j]) for every channel: (N, H, W, C).
        moved = x.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)
        return moved.contiguous(memory_format=memory_layout(x))


def draw(operations: tuple[str, ...], n: int, height: int, width: int, device: torch.device | str = "cpu") -> AugmentParams | None:
    """Random parameters for ``n`` samples from the global torch RNG (so checkpoints that save
    it resume the same draws); None when ``operations`` is empty."""
    if not operations:
        return None
    params = AugmentParams()
    if "color" in operations:
        params.brightness = (torch.rand(n, 1, 1, 1) - 0.5).to(device)
        params.saturation = (torch.rand(n, 1, 1, 1) * 2).to(device)
        params.contrast = (torch.rand(n, 1, 1, 1) + 0.5).to(device)
    if "translation" in operations:
        max_dy, max_dx = int(height * 0.125 + 0.5), int(width * 0.125 + 0.5)
        dy = torch.randint(-max_dy, max_dy + 1, (n, 1))
        dx = torch.randint(-max_dx, max_dx + 1, (n, 1))
        # Output pixel i shows input pixel i - shift, the border repeated beyond the edge.
        params.rows = (torch.arange(height)[None] - dy).clamp(0, height - 1).to(device)
        params.cols = (torch.arange(width)[None] - dx).clamp(0, width - 1).to(device)
    if "cutout" in operations:
        cut_h, cut_w = int(height * 0.5 + 0.5), int(width * 0.5 + 0.5)
        cy = torch.randint(0, height + (1 - cut_h % 2), (n, 1, 1))
        cx = torch.randint(0, width + (1 - cut_w % 2), (n, 1, 1))
        y = torch.arange(height)[None, :, None]
        x = torch.arange(width)[None, None, :]
        inside = ((y - cy + cut_h // 2) >= 0) & ((y - cy + cut_h // 2) < cut_h) & \
                 ((x - cx + cut_w // 2) >= 0) & ((x - cx + cut_w // 2) < cut_w)
        params.keep = (~inside).float()[:, None].to(device)
    return params


def _tile(value: torch.Tensor, repeats: int) -> torch.Tensor:
    return value if repeats == 1 else value.repeat(repeats, *([1] * (value.dim() - 1)))
