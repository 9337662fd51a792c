"""Residual blocks of the SPADE decoder and of its "concatenate the label map" ablation."""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from gaugan.nn.norms import SyncBatchNorm2d
from gaugan.nn.spade import SPADE
from gaugan.nn.spectral import spectral

LRELU_SLOPE = 0.2


class ModulatedResnetBlock(nn.Module):
    """[norm, LReLU(0.2), conv] x 2 plus the identity or a learned [norm_s, conv_s] shortcut.

    Subclasses build ``learned_shortcut``, ``norm_0``, ``norm_1``, ``conv_0``, ``conv_1`` (and
    ``norm_s``, ``conv_s``); each norm takes (x, the label input as the generator hands it down).
    """

    def shortcut(self, x: torch.Tensor, labels) -> torch.Tensor:
        if self.learned_shortcut:
            return self.conv_s(self.norm_s(x, labels))
        return x

    def forward(self, x: torch.Tensor, labels) -> torch.Tensor:
        """x: (N, fin, H, W); labels at any resolution (each norm resizes them) -> (N, fout, H, W)."""
        dx = self.conv_0(F.leaky_relu(self.norm_0(x, labels), LRELU_SLOPE))
        dx = self.conv_1(F.leaky_relu(self.norm_1(dx, labels), LRELU_SLOPE))
        return self.shortcut(x, labels) + dx


class SPADEResnetBlock(ModulatedResnetBlock):
    """[SPADE, LReLU(0.2), conv3x3] x 2 plus a shortcut; (N, fin, H, W) -> (N, fout, H, W).

    The shortcut is the identity when fin == fout, otherwise a learned [SPADE, conv1x1 (no bias)].
    The middle width is min(fin, fout), as in the paper's code.
    """

    def __init__(
        self,
        fin: int,
        fout: int,
        label_channels: int,
        norm: str = "syncbatch",
        kernel_size: int = 3,
        hidden: int = 128,
        spectral_norm: bool = True,
    ) -> None:
        super().__init__()
        self.learned_shortcut = fin != fout
        fmiddle = min(fin, fout)
        self.conv_0 = spectral(nn.Conv2d(fin, fmiddle, 3, padding=1), spectral_norm)
        self.conv_1 = spectral(nn.Conv2d(fmiddle, fout, 3, padding=1), spectral_norm)
        self.norm_0 = SPADE(fin, label_channels, norm, kernel_size, hidden)
        self.norm_1 = SPADE(fmiddle, label_channels, norm, kernel_size, hidden)
        if self.learned_shortcut:
            self.conv_s = spectral(nn.Conv2d(fin, fout, 1, bias=False), spectral_norm)
            self.norm_s = SPADE(fin, label_channels, norm, kernel_size, hidden)


class ConcatResnetBlock(nn.Module):
    """The SPADE block with every SPADE(x, m) replaced by concat(BN(x), m): the paper's "concat" ablation.

    Normalisation here is an ordinary (sync) batch norm with learned affine parameters, since
    nothing else modulates the activations; the label map (resized by nearest) is concatenated to
    the input of every conv instead. (N, fin, H, W) -> (N, fout, H, W).
    """

    def __init__(self, fin: int, fout: int, label_channels: int, spectral_norm: bool = True) -> None:
        super().__init__()
        self.learned_shortcut = fin != fout
        fmiddle = min(fin, fout)
        self.norm_0 = SyncBatchNorm2d(fin)
        self.norm_1 = SyncBatchNorm2d(fmiddle)
        self.conv_0 = spectral(nn.Conv2d(fin + label_channels, fmiddle, 3, padding=1), spectral_norm)
        self.conv_1 = spectral(nn.Conv2d(fmiddle + label_channels, fout, 3, padding=1), spectral_norm)
        if self.learned_shortcut:
            self.norm_s = SyncBatchNorm2d(fin)
            self.conv_s = spectral(nn.Conv2d(fin + label_channels, fout, 1, bias=False), spectral_norm)

    @staticmethod
    def _with_labels(x: torch.Tensor, segmap: torch.Tensor) -> torch.Tensor:
        if segmap.shape[-2:] != x.shape[-2:]:
            segmap = F.interpolate(segmap, size=x.shape[-2:], mode="nearest")
        return torch.cat([x, segmap], dim=1)

    def forward(self, x: torch.Tensor, segmap: torch.Tensor) -> torch.Tensor:
        if self.learned_shortcut:
            x_s = self.conv_s(self._with_labels(self.norm_s(x), segmap))
        else:
            x_s = x
        dx = F.leaky_relu(self.norm_0(x), LRELU_SLOPE)
        dx = self.conv_0(self._with_labels(dx, segmap))
        dx = F.leaky_relu(self.norm_1(dx), LRELU_SLOPE)
        dx = self.conv_1(self._with_labels(dx, segmap))
        return x_s + dx
