"""Entry point for subprocess tests: train on the toy dataset into argv[1] for argv[2] steps."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from train_helpers import ToyPairs  # noqa: E402

from gaugan.train import TrainConfig, Trainer  # noqa: E402


def config(output_dir: str, iterations: int) -> TrainConfig:
    return TrainConfig(
        ngf=8, ndf=8, crop_size=32, spade_hidden=16, use_vgg=False, n_layers_d=3, batch_size=2,
        iterations=iterations, checkpoint_every=2, output_dir=output_dir, tensorboard=False,
    )


if __name__ == "__main__":
    Trainer(config(sys.argv[1], int(sys.argv[2])), ToyPairs(n=8), resume=True, show_progress=False).fit()
