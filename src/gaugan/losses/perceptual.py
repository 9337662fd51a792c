"""VGG19 perceptual loss: weighted L1 between VGG features of generated and real images."""

from __future__ import annotations

import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from gaugan.nn.vgg19 import VGG19Features

# relu1_1 .. relu5_1, deeper layers weigh more (the paper's code).
VGG_LAYER_WEIGHTS = (1.0 / 32, 1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0)
_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)


class VGGLoss(nn.Module):
    """sum_i w_i * L1(VGG_i(fake), VGG_i(real)), real features detached.

    Args:
        vgg: a `VGG19Features`, or None to load one from ``weights`` (see `resolve_vgg19_weights`).
        weights: path of the torchvision VGG19 weight file.
        imagenet_normalize: map [-1, 1] images to ImageNet mean/std before VGG. The paper's code
            feeds [-1, 1] images directly (False, the default, for faithful reproduction); True
            is what the VGG weights were trained on.
    Inputs: fake, real (N, 3, H, W) in [-1, 1]. Output: scalar (weight 10 in the paper).
    """

    def __init__(
        self,
        vgg: VGG19Features | None = None,
        weights: str | os.PathLike | None = None,
        imagenet_normalize: bool = False,
    ) -> None:
        super().__init__()
        self.vgg = vgg if vgg is not None else VGG19Features.from_file(weights)
        self.imagenet_normalize = imagenet_normalize
        self.register_buffer("mean", torch.tensor(_IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(_IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    def _prepare(self, x: torch.Tensor) -> torch.Tensor:
        if self.imagenet_normalize:
            return ((x + 1) / 2 - self.mean) / self.std
        return x

    def forward(self, fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        fake_features = self.vgg(self._prepare(fake))
        with torch.no_grad():
            real_features = self.vgg(self._prepare(real))
        loss = fake.new_zeros(())
        for weight, f, r in zip(VGG_LAYER_WEIGHTS, fake_features, real_features):
            loss = loss + weight * F.l1_loss(f, r)
        return loss
