"""Coarse-to-fine: a run at another output size starts from a pretrained generator, its z
projection's start map resized (train/resize_start.py)."""

import dataclasses

import pytest
import torch
import torch.nn.functional as F
from train_helpers import ToyPairs

from gaugan.labels import LabelSet
from gaugan.models import GauGAN, build_model
from gaugan.models.config import CLADEGeneratorConfig
from gaugan.train import TrainConfig, Trainer
from gaugan.train.resize_start import generator_state_for_size, resize_start_map


def _generator(width, use_vae=True):
    torch.manual_seed(0)
    config = CLADEGeneratorConfig(semantic_channels=5, ngf=8, width=width, aspect_ratio=4 / 3, use_vae=use_vae, z_dim=16)
    return build_model(config).eval()


def _start_map(generator, z):
    sh, sw = generator.config.latent_size
    return generator.fc(z).view(z.size(0), 16 * generator.config.ngf, sh, sw)


def test_shrinking_gives_the_area_average_of_the_start_map_for_every_z():
    big, small = _generator(256), _generator(128)
    assert big.config.latent_size == (6, 8) and small.config.latent_size == (3, 4)
    state, note = generator_state_for_size(big.state_dict(), big.config, small.config)
    small.load_state_dict(state)
    z = torch.randn(3, 16)
    expected = F.avg_pool2d(_start_map(big, z), 2)
    torch.testing.assert_close(_start_map(small, z), expected, rtol=1e-5, atol=1e-6)
    assert "6x8 -> 3x4 (area)" in note
    # Every other tensor is the big model's own.
    for name, tensor in big.state_dict().items():
        if not name.startswith("fc."):
            assert torch.equal(state[name], tensor), name


def test_growing_gives_the_bilinear_upsampled_start_map_and_the_full_model_runs():
    small, big = _generator(128), _generator(256)
    state, note = generator_state_for_size(small.state_dict(), small.config, big.config)
    big.load_state_dict(state)
    z = torch.randn(2, 16)
    expected = F.interpolate(_start_map(small, z), size=(6, 8), mode="bilinear", align_corners=False)
    torch.testing.assert_close(_start_map(big, z), expected, rtol=1e-5, atol=1e-6)
    assert "(bilinear)" in note
    segmap = F.one_hot(torch.randint(0, 5, (2, 192, 256)), 5).permute(0, 3, 1, 2).float()
    image = big(segmap, z)
    assert image.shape == (2, 3, 192, 256) and torch.isfinite(image).all()


def test_a_start_map_of_another_shape_is_refused():
    with pytest.raises(ValueError, match=r"is not a 128 x 3 x 4 start map"):
        resize_start_map(torch.zeros(128 * 6 * 8, 16), torch.zeros(128 * 6 * 8), 128, (3, 4), (6, 8))


def test_without_the_encoder_nothing_is_resized():
    small, big = _generator(128, use_vae=False), _generator(256, use_vae=False)
    state, note = generator_state_for_size(small.state_dict(), small.config, big.config)
    assert all(torch.equal(state[k], v) for k, v in small.state_dict().items())
    assert "no weight depends on it" in note


def _config(tmp_path, name, **changes):
    base = TrainConfig(
        generator="clade", ngf=8, ndf=8, crop_size=64, use_vgg=False, use_vae=True, z_dim=16, n_layers_d=3,
        batch_size=2, iterations=2, checkpoint_every=100, output_dir=str(tmp_path / name), tensorboard=False,
        ema_decay=None, seed=3,
    )
    return dataclasses.replace(base, **changes)


def test_a_run_at_half_the_size_starts_from_the_model_and_keeps_its_encoder(tmp_path, capsys):
    first = Trainer(_config(tmp_path, "full"), ToyPairs(n=4, size=64), show_progress=False)
    first.fit()
    source = GauGAN.from_pretrained(first.export())
    coarse = Trainer(_config(tmp_path, "coarse", crop_size=32, encoder_input_size=64, init_from=str(first.output_dir / "final")),
                     ToyPairs(n=4, size=32), show_progress=False)
    assert "start map resized 2x2 -> 1x1 (area)" in capsys.readouterr().err
    for name, tensor in source.encoder.state_dict().items():
        assert torch.equal(coarse.encoder.state_dict()[name], tensor), name
    z = torch.randn(2, 16)
    torch.testing.assert_close(_start_map(coarse.generator, z), F.avg_pool2d(_start_map(source.generator, z), 2))
    losses = coarse.fit()
    assert all(torch.isfinite(torch.tensor(v)) for v in losses.values())


class TwoClassPairs(ToyPairs):
    labels = LabelSet(names=("sky", "sea"), colors=((120, 170, 255), (20, 60, 160)), dataset="toy2")

    def __init__(self, n: int = 4, size: int = 32) -> None:
        super().__init__(n, size)
        self.label = self.label % 2


def test_size_and_labels_at_once_are_refused(tmp_path):
    first = Trainer(_config(tmp_path, "full"), ToyPairs(n=4, size=64), show_progress=False)
    first.fit()
    with pytest.raises(ValueError, match="another label set and another output size .*change one at a time"):
        Trainer(_config(tmp_path, "both", crop_size=32, encoder_input_size=64, init_from=str(first.output_dir / "final")),
                TwoClassPairs(), show_progress=False)


def test_encoder_input_size_must_be_a_power_of_two():
    with pytest.raises(ValueError, match="encoder_input_size must be a power of two"):
        TrainConfig(use_vae=True, encoder_input_size=100)
