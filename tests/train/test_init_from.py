"""`init_from`: a new run starts from a pretrained generator (and encoder); D is fresh unless the
checkpoint ships one of the run's config."""

import dataclasses
import json

import pytest
import torch
from train_helpers import ToyPairs

from gaugan.models import GauGAN
from gaugan.models.checksums import DamagedCheckpoint
from gaugan.train import TrainConfig, Trainer
from gaugan.train.shipped_discriminator import DISCRIMINATOR_CONFIG, DISCRIMINATOR_FILE, save_discriminator


def _config(tmp_path, name, **changes):
    base = TrainConfig(
        ngf=8, ndf=8, crop_size=32, spade_hidden=16, use_vgg=False, use_vae=True, z_dim=16, n_layers_d=3,
        batch_size=2, iterations=2, checkpoint_every=100, output_dir=str(tmp_path / name), tensorboard=False,
        ema_decay=None, seed=3,
    )
    return dataclasses.replace(base, **changes)


@pytest.fixture
def pretrained(tmp_path):
    trainer = Trainer(_config(tmp_path, "first"), ToyPairs(n=4), show_progress=False)
    trainer.fit()
    return trainer.export()


def test_a_new_run_starts_from_the_checkpoint_generator_and_encoder(tmp_path, pretrained):
    source = GauGAN.from_pretrained(pretrained)
    fresh = Trainer(_config(tmp_path, "fresh", seed=11), ToyPairs(n=4), show_progress=False)
    warm = Trainer(_config(tmp_path, "warm", seed=11, init_from=str(pretrained)), ToyPairs(n=4), show_progress=False)
    for name, tensor in source.generator.state_dict().items():
        assert torch.equal(warm.generator.state_dict()[name], tensor), name
    for name, tensor in source.encoder.state_dict().items():
        assert torch.equal(warm.encoder.state_dict()[name], tensor), name
    assert not torch.equal(fresh.generator.fc.weight, warm.generator.fc.weight)
    # The discriminator is the fresh run's, and training goes on from the loaded weights.
    for name, tensor in fresh.discriminator.state_dict().items():
        assert torch.equal(warm.discriminator.state_dict()[name], tensor), name
    losses = warm.fit()
    assert all(torch.isfinite(torch.tensor(v)) for v in losses.values())


def test_a_checkpoint_of_another_architecture_is_refused_by_field(tmp_path, pretrained):
    with pytest.raises(ValueError, match=r"its generator \(SPADEGenerator\) differs from this run.s \(SPADEGenerator\) in ngf"):
        Trainer(_config(tmp_path, "wide", ngf=16, init_from=str(pretrained)), ToyPairs(n=4), show_progress=False)
    with pytest.raises(ValueError, match="it has an encoder, this run does not"):
        Trainer(_config(tmp_path, "novae", use_vae=False, init_from=str(pretrained)), ToyPairs(n=4), show_progress=False)
    with pytest.raises(Exception, match="not a gaugan checkpoint|not found"):
        Trainer(_config(tmp_path, "missing", init_from=str(tmp_path / "nowhere")), ToyPairs(n=4), show_progress=False)


@pytest.fixture
def package_with_discriminator(tmp_path):
    """An inference checkpoint with the trained D beside it (float16), as `gaugan.train.packaging` ships."""
    trainer = Trainer(_config(tmp_path, "shipped"), ToyPairs(n=4), show_progress=False)
    trainer.fit()
    directory = trainer.export()
    save_discriminator(directory, trainer.discriminator, trainer.labels)
    return directory, {k: v.clone() for k, v in trainer.discriminator.state_dict().items()}


def test_a_shipped_discriminator_is_loaded_and_listed_in_the_checksums(tmp_path, package_with_discriminator, capsys):
    directory, trained = package_with_discriminator
    listed = json.loads((directory / "checksums.json").read_text())["files"]
    assert {"config.json", "generator.safetensors", DISCRIMINATOR_FILE, DISCRIMINATOR_CONFIG} <= set(listed)
    fresh = Trainer(_config(tmp_path, "fresh", seed=11), ToyPairs(n=4), show_progress=False)
    warm = Trainer(_config(tmp_path, "warm", seed=11, init_from=str(directory)), ToyPairs(n=4), show_progress=False)
    assert "discriminator loaded" in capsys.readouterr().err
    for name, tensor in trained.items():  # the trained D, to float16's precision; not the fresh one
        assert torch.equal(warm.discriminator.state_dict()[name], tensor.half().float()), name
    weight = next(n for n in trained if n.endswith("weight.original") or n.endswith("weight_orig") or n.endswith("weight"))
    assert not torch.equal(warm.discriminator.state_dict()[weight], fresh.discriminator.state_dict()[weight])
    losses = warm.fit()
    assert all(torch.isfinite(torch.tensor(v)) for v in losses.values())


def test_a_shipped_discriminator_of_another_config_leaves_d_fresh_and_says_why(tmp_path, package_with_discriminator, capsys):
    directory, _ = package_with_discriminator
    fresh = Trainer(_config(tmp_path, "fresh16", ndf=16, seed=11), ToyPairs(n=4), show_progress=False)
    warm = Trainer(_config(tmp_path, "warm16", ndf=16, seed=11, init_from=str(directory)), ToyPairs(n=4), show_progress=False)
    err = capsys.readouterr().err
    assert "discriminator fresh:" in err and "ndf 8 (this run: 16)" in err
    for name, tensor in fresh.discriminator.state_dict().items():
        assert torch.equal(warm.discriminator.state_dict()[name], tensor), name


def test_a_damaged_shipped_discriminator_is_refused_by_name(tmp_path, package_with_discriminator):
    directory, _ = package_with_discriminator
    path = directory / DISCRIMINATOR_FILE
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF  # still parses: only the checksum can tell
    path.write_bytes(bytes(data))
    with pytest.raises(DamagedCheckpoint, match=DISCRIMINATOR_FILE):
        Trainer(_config(tmp_path, "warm", init_from=str(directory)), ToyPairs(n=4), show_progress=False)
