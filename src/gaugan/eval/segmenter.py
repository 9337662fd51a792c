"""A small, honest segmentation network for the paper's semantic-fidelity protocol on any dataset.

The paper scores generated images with dataset-specific segmenters (DeepLabV2, UperNet, DRN)
that cannot be downloaded here and exist for few datasets. `SmallSegmenter` is a compact
encoder-decoder (a U-Net with batch norm) trained on the *real* images of a dataset by
`gaugan train-segmenter`; its mIoU on real held-out images is reported next to its mIoU on
generated ones, so the gap between the two is what measures the generator.

Input (N, 3, H, W) RGB in [-1, 1], H and W multiples of 2^depth; output (N, C, H, W) logits.
A segmenter trained at one size (``input_size``) resizes other inputs to it first, so one
segmenter scores models of different output sizes at the same scale (its logits then come out
at ``input_size``; callers resize them to their labels).
`features` gives pooled (N, D) descriptors of the same network for the Frechet segmenter distance.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class SegmenterConfig:
    num_classes: int
    width: int = 32
    depth: int = 3
    input_size: Optional[Tuple[int, int]] = None  # (H, W) it was trained at; None: any size as is

    def __post_init__(self) -> None:
        if self.input_size is not None:
            self.input_size = (int(self.input_size[0]), int(self.input_size[1]))  # JSON gives a list

    def to_dict(self) -> dict:
        return {"type": "small_segmenter", **asdict(self)}


def _double_conv(fin: int, fout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(fin, fout, 3, padding=1, bias=False), nn.BatchNorm2d(fout), nn.ReLU(inplace=True),
        nn.Conv2d(fout, fout, 3, padding=1, bias=False), nn.BatchNorm2d(fout), nn.ReLU(inplace=True),
    )


class SmallSegmenter(nn.Module):
    # Scriptable (torch.jit.script) for export; the config dataclass stays a Python-only attribute.
    __jit_ignored_attributes__ = ["config"]

    def __init__(self, config: SegmenterConfig) -> None:
        super().__init__()
        self.config = config
        self.factor = 2**config.depth
        # Two ints, not an optional tuple, so that TorchScript infers them; 0 = take any size.
        self.input_height, self.input_width = config.input_size if config.input_size is not None else (0, 0)
        widths = [config.width * 2**i for i in range(config.depth + 1)]
        self.stem = _double_conv(3, widths[0])
        self.down = nn.ModuleList(_double_conv(widths[i], widths[i + 1]) for i in range(config.depth))
        self.up = nn.ModuleList(_double_conv(widths[i + 1] + widths[i], widths[i]) for i in reversed(range(config.depth)))
        self.head = nn.Conv2d(widths[0], config.num_classes, 1)

    def _encode(self, images: torch.Tensor) -> List[torch.Tensor]:
        """Encoder feature maps: stem (N, width, H, W), then each level down to (N, width * 2^depth, H / 2^depth, W / 2^depth)."""
        if self.input_height > 0 and (images.shape[-2] != self.input_height or images.shape[-1] != self.input_width):
            # Antialiased, like the dataset's own downsampling of the frames it was trained on.
            images = F.interpolate(images, size=(self.input_height, self.input_width), mode="bilinear",
                                   align_corners=False, antialias=True)
        h, w = images.shape[-2], images.shape[-1]
        if h % self.factor != 0 or w % self.factor != 0:
            raise ValueError(f"segmenter input {h}x{w} must be a multiple of {self.factor}")
        skips = [self.stem(images)]
        for block in self.down:
            skips.append(block(F.max_pool2d(skips[-1], 2)))
        return skips

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """(N, 3, H, W) -> (N, C, H, W) logits, or (N, C, *input_size) when ``input_size`` is set."""
        skips = self._encode(images)
        x = skips.pop()
        for block in self.up:
            skip = skips.pop()
            x = block(torch.cat([F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=False), skip], 1))
        return self.head(x)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """(N, 3, H, W) in [-1, 1] -> (N, width * (2^depth + 1)) image descriptors for the Frechet
        segmenter distance: the global average of the deepest feature map (what the scene holds, as
        the network trained on real frames sees it) concatenated with that of the stem (edge and
        texture statistics, which blur, noise and colour casts move)."""
        skips = self._encode(images)
        return torch.cat([skips[-1].mean((2, 3)), skips[0].mean((2, 3))], 1)
