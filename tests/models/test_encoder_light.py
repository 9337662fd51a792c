"""The encoder's light statistics: the paper's encoder cannot see a picture's exposure (its instance
norm removes it); with ``light_statistics`` it can, starting from exactly the encoder it extends."""

import dataclasses

import pytest
import torch
from train_helpers import ToyPairs

from gaugan.export import OnnxGauGAN, export_onnx
from gaugan.labels import LabelSet
from gaugan.models import ConvEncoder, ConvEncoderConfig, GauGAN
from gaugan.models.added_layers import with_added_layers
from gaugan.photo_light import relight
from gaugan.train import TrainConfig, Trainer
from model_helpers import tiny_generator

pytestmark = pytest.mark.usefixtures("one_thread")


def encoder(light: bool, size: int = 64) -> ConvEncoder:
    torch.manual_seed(0)
    return ConvEncoder(ConvEncoderConfig(ndf=8, z_dim=8, input_size=size, init_gain=1.0, light_statistics=light)).eval()


def picture(seed: int = 0) -> torch.Tensor:
    """(1, 3, 64, 64) blocks of 8x8 in [-1, 0.6]: relit x0.8 or x1.2 without clipping."""
    blocks = torch.rand(1, 3, 8, 8, generator=torch.Generator().manual_seed(seed)) * 1.6 - 1
    return blocks.repeat_interleave(8, 2).repeat_interleave(8, 3)


def test_the_papers_encoder_cannot_see_exposure_or_contrast():
    plain, x = encoder(False), picture()
    with torch.no_grad():
        mu = plain(x)[0]
        other = plain(picture(1))[0]
        for lit in (relight(x, 0.8), relight(x, 1.2), relight(x, 1.0, contrast=0.8)):
            # Only the zero padding at the borders tells: far less than another picture's distance.
            assert (plain(lit)[0] - mu).norm() < 0.1 * (other - mu).norm()


def test_light_statistics_start_as_the_plain_encoder_and_then_see_exposure():
    plain, lit_encoder = encoder(False), encoder(True)
    lit_encoder.load_state_dict(with_added_layers(plain.state_dict(), lit_encoder))
    x = picture()
    with torch.no_grad():
        for a, b in zip(lit_encoder(x), plain(x)):
            assert torch.equal(a, b)
        lit_encoder.light_mu.weight.normal_(0, 10)
        darker, brighter = relight(x, 0.8), relight(x, 1.2)
        seen = (lit_encoder(brighter)[0] - lit_encoder(darker)[0]).norm()
        unseen = (plain(brighter)[0] - plain(darker)[0]).norm()
    assert seen > 10 * unseen


def test_the_onnx_encoder_computes_light_statistics(tmp_path):
    labels = LabelSet(names=("sky", "road"), colors=((1, 1, 1), (2, 2, 2)))
    lit_encoder = encoder(True, size=32)
    with torch.no_grad():
        lit_encoder.light_mu.weight.normal_()
    model = GauGAN(tiny_generator(labels, use_vae=True, z_dim=8), labels, lit_encoder)
    export_onnx(model, tmp_path / "onnx")
    runtime = OnnxGauGAN(tmp_path / "onnx")
    for shape in [(1, 3, 32, 32), (2, 3, 48, 40)]:
        image = torch.rand(shape) * 2 - 1
        with torch.no_grad():
            mu = model.encode_style(image)
        assert (runtime.encode(image) - mu).abs().max() < 1e-4


def test_a_run_adds_light_statistics_to_an_encoder_trained_without_them(tmp_path):
    base = TrainConfig(
        ngf=8, ndf=8, crop_size=32, spade_hidden=16, use_vgg=False, use_vae=True, z_dim=16, n_layers_d=3,
        batch_size=2, iterations=3, checkpoint_every=100, output_dir=str(tmp_path / "first"), tensorboard=False,
        ema_decay=None, seed=3, lambda_l1=10.0, light_jitter=0.5, light_white_balance=False,
    )
    first = Trainer(base, ToyPairs(n=4), show_progress=False)
    first.fit()
    source = GauGAN.from_pretrained(first.export())
    config = dataclasses.replace(base, output_dir=str(tmp_path / "lit"), encoder_light_statistics=True,
                                 init_from=str(tmp_path / "first" / "final"))
    run = Trainer(config, ToyPairs(n=4), show_progress=False)
    state = run.encoder.state_dict()
    assert all(torch.equal(state[name], tensor) for name, tensor in source.encoder.state_dict().items())
    assert torch.count_nonzero(run.encoder.light_mu.weight) == 0
    run.fit()
    assert torch.count_nonzero(run.encoder.light_mu.weight) > 0  # trained through the reconstruction losses
    assert GauGAN.from_pretrained(run.export()).encoder.config.light_statistics
