"""`FastSPADEGenerator`: the trained SPADE generator's eval-mode function, computed faster.

What changes against `SPADEGenerator` (see the other files of this package for why each is exact):
    - spectral norm divided into plain weights once (`gaugan.nn.folding`);
    - eval-mode batch norm and ``1 + gamma`` folded into one fused gamma/beta conv per SPADE;
    - the label map becomes one integer code per pixel, resized once per resolution by index
      (`gaugan.label_codes`), instead of resizing 184 channels in each of 18 layers;
    - convs of the one-hot map (SPADE's first conv, the start conv) become table lookups
      (`onehot_conv.py`), and inside uniform label regions so do gamma and beta (`modulation.py`);
    - channels_last memory format; optional bf16 autocast and torch.compile.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from gaugan.fast.allocator import tune_malloc
from gaugan.fast.blocks import FastSPADEResnetBlock
from gaugan.fast.onehot_conv import OneHotConv
from gaugan.label_codes import LabelCodes, check_label_ids, split_semantics
from gaugan.models.config import SPADEGeneratorConfig
from gaugan.models.generator import SPADEGenerator, block_schedule, latent_size
from gaugan.nn.blocks import LRELU_SLOPE
from gaugan.nn.folding import eval_weights, plain_conv, plain_linear

LabelInput = Union[torch.Tensor, Sequence]  # (N, C, H, W) semantics, or (label_ids, extras | None)
PRECISIONS = ("fp32", "bf16")


class FastDecoderGenerator(nn.Module):
    """What the fast SPADE and CLADE generators share: folded fc and output conv, the decoder's
    block order and upsampling, input checks, precision and memory format. Subclasses say how
    a trained block becomes a fast one (`fast_block`) and what the blocks read (`block_labels`).

    Its weights are copies: later changes to the source generator are not seen. It has no
    gradients (every parameter is frozen) and no train mode.
    """

    source_type: type = nn.Module

    def __init__(
        self,
        generator: nn.Module,
        num_onehot_channels: int | None = None,
        channels_last: bool = True,
        precision: str = "fp32",
    ) -> None:
        super().__init__()
        self.check_source(generator)
        config: SPADEGeneratorConfig = generator.config
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
        classes = config.semantic_channels if num_onehot_channels is None else num_onehot_channels
        if not 0 < classes <= config.semantic_channels:
            raise ValueError(f"num_onehot_channels must be in 1..{config.semantic_channels}, got {classes}")
        self.config = config
        self.num_classes = classes
        self.num_extras = config.semantic_channels - classes
        self.precision = precision
        self.channels_last = channels_last
        if config.use_vae:
            self.fc = plain_linear(generator.fc)
        else:
            self.fc = OneHotConv(*eval_weights(generator.fc), classes)
        schedule = block_schedule(config)
        self.blocks = nn.ModuleList(self.fast_block(getattr(generator, name)) for name, _ in schedule)
        self.upsample = [up for _, up in schedule]
        self.conv_img = plain_conv(generator.conv_img)
        self.tone = copy.deepcopy(generator.tone) if generator.tone is not None else None
        self.requires_grad_(False)
        self.eval()
        if channels_last:
            self.to(memory_format=torch.channels_last)

    @classmethod
    def from_generator(
        cls,
        generator: nn.Module,
        num_onehot_channels: int | None = None,
        *,
        compile: bool = False,
        malloc_tuning: bool = True,
        verify: bool = True,
        **options,
    ) -> nn.Module:
        """Build the fast path of a trained generator (its eval-mode function).

        Returns an instance of this class on the source's device (wrapped by ``torch.compile``
        when ``compile``), after checking that it computes the generator's function on a test
        map (`gaugan.fast.self_check`; `FastPathMismatch` otherwise; ``verify=False`` skips it).

        Args:
            generator: the reference module; it is only read (its train/eval mode is restored).
            num_onehot_channels: how many leading semantic channels are one-hot classes
                (num_classes + don't-care); the rest (the instance-edge map) are extras.
                Default: all channels.
            compile: wrap the model in ``torch.compile``.
            malloc_tuning: keep glibc malloc from unmapping big activation buffers after each
                forward (`gaugan.fast.allocator`); process-wide, off with False or
                GAUGAN_MALLOC_TUNING=0. Called this late it helps less reliably than calling
                `gaugan.fast.tune_malloc()` before importing torch, or the MALLOC_*_ variables.
            options: the class's own, e.g. ``channels_last=True`` (run convolutions in
                channels_last memory format), ``precision="fp32"`` or ``"bf16"`` (autocast; fast
                only where the hardware has native bf16: CUDA, or CPUs with AVX512-BF16/AMX),
                and for SPADE ``interior_lookup=True`` (look up gamma/beta inside uniform label
                regions, the same function: see `gaugan.fast.modulation`).
        """
        if malloc_tuning:
            tune_malloc()
        fast = cls(generator, num_onehot_channels, **options)
        fast.to(next(generator.parameters()).device)
        if verify:
            from gaugan.fast.self_check import check_fast_path

            check_fast_path(generator, fast)
        return torch.compile(fast) if compile else fast

    @classmethod
    def check_source(cls, generator: nn.Module) -> None:
        if type(generator) is not cls.source_type:
            raise TypeError(f"{cls.__name__} needs a {cls.source_type.__name__}, got {type(generator).__name__}")

    def fast_block(self, block: nn.Module) -> nn.Module:
        raise NotImplementedError

    def block_labels(self, ids: torch.Tensor, extras: torch.Tensor | None, pyramid: LabelCodes):
        """What the blocks read: an object whose ``at((H, W))`` is passed to a block at (H, W)."""
        raise NotImplementedError

    def train(self, mode: bool = True) -> "FastDecoderGenerator":
        if mode:
            raise RuntimeError(f"{type(self).__name__} is inference-only; train the {self.source_type.__name__} it was built from")
        return super().train(False)

    def label_ids(self, label_input: LabelInput) -> tuple[torch.Tensor, torch.Tensor | None]:
        """A semantic tensor or (label_ids, extras) -> checked (ids (N, H, W), extras (N, E, H, W) | None)."""
        if isinstance(label_input, torch.Tensor):
            if label_input.size(1) != self.config.semantic_channels:
                raise ValueError(
                    f"expected a semantic input of shape (N, {self.config.semantic_channels}, H, W), got {tuple(label_input.shape)}"
                )
            ids, extras = split_semantics(label_input, self.num_classes)
        else:
            ids, extras = label_input
            check_label_ids(ids, extras, self.num_classes, self.num_extras)
        return ids, extras

    @torch.no_grad()
    def forward(
        self, label_input: LabelInput, z: torch.Tensor | None = None, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Generate images.

        Args:
            label_input: (N, C_sem, H, W) semantic input whose first ``num_onehot_channels``
                channels are one-hot, or a pair (label_ids (N, H, W) int in 0..K-1,
                extras (N, C_sem - K, H, W) float or None).
            z: (N, z_dim) style code, only with ``use_vae``; drawn from N(0, I) when None.
            generator: RNG for that draw.
        Returns:
            (N, 3, H_out, W_out) float32 in [-1, 1], as `SPADEGenerator.forward`.
        """
        ids, extras = self.label_ids(label_input)
        pyramid = LabelCodes(ids, extras, self.num_classes)
        labels = self.block_labels(ids, extras, pyramid)
        n = pyramid.batch_size
        sh, sw = latent_size(self.config, pyramid.size)
        bf16 = torch.autocast(pyramid.device.type, dtype=torch.bfloat16) if self.precision == "bf16" else contextlib.nullcontext()
        with bf16:
            if self.config.use_vae:
                if z is None:
                    z = torch.randn(n, self.config.z_dim, generator=generator, device=pyramid.device)
                if z.shape != (n, self.config.z_dim):
                    raise ValueError(f"z must have shape ({n}, {self.config.z_dim}), got {tuple(z.shape)}")
                x = self.fc(z).view(n, -1, sh, sw)
            else:
                if z is not None:
                    raise ValueError("this generator takes no z: it was built with use_vae=False")
                x = self.fc(pyramid.at((sh, sw)).windows(self.fc.kernel_size))
            if self.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            for block, upsample in zip(self.blocks, self.upsample):
                if upsample:
                    x = F.interpolate(x, scale_factor=2, mode="nearest")
                x = block(x, labels.at(x.shape[-2:]))
            x = self.conv_img(F.leaky_relu(x, LRELU_SLOPE))
            if self.tone is not None:
                x = self.tone(x, z)
            return torch.tanh(x).float().contiguous()


class FastSPADEGenerator(FastDecoderGenerator):
    """Inference-only SPADE generator; build it with `from_generator`.

    Its weights are copies: later changes to the source generator are not seen. It has no
    gradients (every parameter is frozen) and no train mode.
    """

    source_type = SPADEGenerator

    def __init__(
        self,
        generator: SPADEGenerator,
        num_onehot_channels: int | None = None,
        interior_lookup: bool = True,
        channels_last: bool = True,
        precision: str = "fp32",
    ) -> None:
        self.interior_lookup = interior_lookup
        super().__init__(generator, num_onehot_channels, channels_last, precision)

    def fast_block(self, block: nn.Module) -> nn.Module:
        return FastSPADEResnetBlock(block, self.num_classes, self.interior_lookup)

    def block_labels(self, ids: torch.Tensor, extras: torch.Tensor | None, pyramid: LabelCodes) -> LabelCodes:
        return pyramid
