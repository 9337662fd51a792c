"""A tiny in-memory paired dataset for training tests: blocky label maps, images that depend on them."""

from __future__ import annotations

import contextlib

import torch
from torch.utils.data import Dataset

from gaugan.labels import LabelSet
from gaugan.train import Trainer

TOY_LABELS = LabelSet(
    names=("sky", "sea", "grass"),
    colors=((120, 170, 255), (20, 60, 160), (90, 190, 60)),
    dataset="toy",
)


class ToyPairs(Dataset):
    """n samples of (label (H, W), image (3, H, W)) where each class has its own colour + noise.

    Uses the global torch RNG for a random flip, like a real dataset's augmentation does.
    """

    labels = TOY_LABELS

    def __init__(self, n: int = 8, size: int = 32, seed: int = 0) -> None:
        g = torch.Generator().manual_seed(seed)
        coarse = torch.randint(0, 3, (n, 1, 4, 4), generator=g).float()
        self.label = torch.nn.functional.interpolate(coarse, size=(size, size), mode="nearest")[:, 0].long()
        palette = torch.tensor(TOY_LABELS.colors, dtype=torch.float32) / 127.5 - 1
        image = palette[self.label].permute(0, 3, 1, 2)
        self.image = (image + 0.1 * torch.randn(image.shape, generator=g)).clamp(-1, 1)

    def __len__(self) -> int:
        return len(self.label)

    def __getitem__(self, index: int) -> dict:
        label, image = self.label[index], self.image[index]
        if torch.rand(()) < 0.5:
            label, image = label.flip(-1), image.flip(-1)
        return {"label": label, "image": image}


@contextlib.contextmanager
def float64_everywhere():
    """Within: Trainers build their modules and feed their batches in float64, for comparisons of
    two ways to compute one update that float32 rounding would blur (amplified through norms
    over a few values per channel); the default dtype is restored after."""
    previous_dtype, micro_batches = torch.get_default_dtype(), Trainer._micro_batches

    def as_float64(self, batch):
        return [(s.double(), r.double()) for s, r in micro_batches(self, batch)]

    torch.set_default_dtype(torch.float64)
    Trainer._micro_batches = as_float64
    try:
        yield
    finally:
        torch.set_default_dtype(previous_dtype)
        Trainer._micro_batches = micro_batches


def toy_encoder_trainer(tmp_path, **changes) -> Trainer:
    """A Trainer of a 32x32 SPADE + style encoder model (ngf 8, z_dim 16) on 4 toy pairs, fp32, one
    iteration, no EMA, checkpoints or samples, output under ``tmp_path``; ``changes`` replace any setting."""
    import dataclasses

    from gaugan.train import TrainConfig

    config = TrainConfig(ngf=8, ndf=8, crop_size=32, spade_hidden=16, use_vgg=False, use_vae=True, z_dim=16,
                         n_layers_d=3, batch_size=2, iterations=1, checkpoint_every=1000, sample_every=1000,
                         output_dir=str(tmp_path / "run"), tensorboard=False, ema_decay=None, seed=3, precision="fp32")
    return Trainer(dataclasses.replace(config, **changes), ToyPairs(n=4, size=32), show_progress=False)
