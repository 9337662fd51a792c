"""`init_from` with another label set: fine-tuning keeps what does not depend on the classes."""

import dataclasses
import json

import pytest
import torch
from train_helpers import TOY_LABELS, ToyPairs

from gaugan.labels import LabelSet
from gaugan.models import GauGAN
from gaugan.semantics import semantic_input
from gaugan.train import TrainConfig, Trainer
from gaugan.train.transfer import semantic_dims

# Shares "sky" and "grass" with the toy set (sky, sea, grass); "sand" and "rock" are new.
NEW_LABELS = LabelSet(names=("rock", "sky", "sand", "grass"), colors=((90, 90, 90), (120, 170, 255), (230, 210, 150), (90, 190, 60)),
                      dataset="toy4")


class NewPairs(ToyPairs):
    labels = NEW_LABELS

    def __init__(self, n: int = 4) -> None:
        super().__init__(n)
        self.label = (self.label * 7 + 1) % 4  # all four classes


def _config(tmp_path, name, generator="spade", **changes):
    base = TrainConfig(
        generator=generator, ngf=8, ndf=8, crop_size=32, spade_hidden=16, use_vgg=False, use_vae=True, z_dim=16,
        n_layers_d=3, batch_size=2, iterations=2, checkpoint_every=100, output_dir=str(tmp_path / name),
        tensorboard=False, ema_decay=None, seed=3,
    )
    return dataclasses.replace(base, **changes)


@pytest.fixture(scope="module", params=["spade", "clade"])
def pretrained(request, tmp_path_factory):
    trainer = Trainer(_config(tmp_path_factory.mktemp("pretrained"), "first", request.param), ToyPairs(n=4), show_progress=False)
    trainer.fit()
    return request.param, trainer.export()


def test_fine_tuning_keeps_shared_classes_and_starts_new_ones_fresh(tmp_path, pretrained):
    kind, directory = pretrained
    source = GauGAN.from_pretrained(directory)
    fresh = Trainer(_config(tmp_path, "fresh", kind, seed=11), NewPairs(), show_progress=False)
    warm = Trainer(_config(tmp_path, "warm", kind, seed=11, init_from=str(directory)), NewPairs(), show_progress=False)
    dims = semantic_dims(warm.generator.config)
    assert dims, "a generator reads its label map somewhere"
    old, new, init = source.generator.state_dict(), warm.generator.state_dict(), fresh.generator.state_dict()
    for name, tensor in new.items():
        if name not in dims and not name.endswith(("._u", "._v")):
            assert torch.equal(tensor, old[name]), name  # label-independent: kept exactly
        elif dims.get(name) is not None:
            d = dims[name]
            # new channel order rock, sky, sand, grass; old sky, sea, grass
            for new_index, old_index in ((1, 0), (3, 2)):
                assert torch.equal(tensor.select(d, new_index), old[name].select(d, old_index)), name
            for new_index in (0, 2):
                assert torch.equal(tensor.select(d, new_index), init[name].select(d, new_index)), name
    for name, tensor in source.encoder.state_dict().items():
        assert torch.equal(warm.encoder.state_dict()[name], tensor), name
    record = json.loads((tmp_path / "warm" / "init_from.json").read_text())
    assert record["channel_map"] == {"sky": "sky", "grass": "grass"} and record["unmatched"] == ["rock", "sand"]
    assert set(record["copied"]) == {n for n, d in dims.items() if d is not None}
    assert len(record["kept"]) + len(record["copied"]) + len(record["fresh"]) == len(new)

    # What a user sees: a layout of shared classes is painted as the pretrained model painted it.
    ids_old = torch.tensor([0, 2]).repeat_interleave(16).reshape(1, 1, 32).expand(1, 32, 32)  # sky | grass halves
    ids_new = torch.where(ids_old == 0, 1, 3)
    z = torch.randn(1, 16, generator=torch.Generator().manual_seed(0))
    model = GauGAN(warm.generator, NEW_LABELS, warm.encoder).eval()
    with torch.no_grad():
        before = source(semantic_input(ids_old, TOY_LABELS), z=z)
        after = model(semantic_input(ids_new, NEW_LABELS), z=z)
    torch.testing.assert_close(after, before, atol=1e-5, rtol=0)
    losses = warm.fit()
    assert all(torch.isfinite(torch.tensor(v)) for v in losses.values())


def test_classes_can_be_mapped_by_name(tmp_path, pretrained):
    kind, directory = pretrained
    source = GauGAN.from_pretrained(directory)
    warm = Trainer(_config(tmp_path, "mapped", kind, init_from=str(directory), init_from_classes={"sand": "sea"}),
                   NewPairs(), show_progress=False)
    dims = semantic_dims(warm.generator.config)
    name, d = next((n, d) for n, d in dims.items() if d is not None)
    assert torch.equal(warm.generator.state_dict()[name].select(d, 2), source.generator.state_dict()[name].select(d, 1))
    record = json.loads((tmp_path / "mapped" / "init_from.json").read_text())
    assert record["channel_map"] == {"sky": "sky", "sand": "sea", "grass": "grass"}


def test_bad_class_maps_and_other_architectures_are_refused(tmp_path, pretrained):
    kind, directory = pretrained
    with pytest.raises(ValueError, match="maps 'sand' to 'dune', which the pretrained model does not have"):
        Trainer(_config(tmp_path, "a", kind, init_from=str(directory), init_from_classes={"sand": "dune"}), NewPairs(), show_progress=False)
    with pytest.raises(ValueError, match="names classes this run does not have: lava"):
        Trainer(_config(tmp_path, "b", kind, init_from=str(directory), init_from_classes={"lava": "sky"}), NewPairs(), show_progress=False)
    with pytest.raises(ValueError, match="in ngf"):
        Trainer(_config(tmp_path, "c", kind, ngf=16, init_from=str(directory)), NewPairs(), show_progress=False)
    assert not (tmp_path / "a").exists() and not (tmp_path / "c").exists()
