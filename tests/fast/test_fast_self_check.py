"""A fast generator is checked against its reference when built: an edited layer is refused, not silently wrong."""

import numpy as np
import pytest
import torch

from gaugan.fast import FastCLADEGenerator, FastSPADEGenerator
from gaugan.fast.self_check import FastPathMismatch, check_fast_path
from gaugan.labels import LabelSet
from gaugan.models import CLADEGenerator, CLADEGeneratorConfig, GauGAN, SPADEGenerator, SPADEGeneratorConfig
from gaugan.nn.clade import CLADE
from gaugan.nn.spade import SPADE
from gaugan.pipeline import Synthesizer

LABELS = LabelSet(names=("sky", "sea", "grass", "tree"), colors=((1, 2, 3), (4, 5, 6), (7, 8, 9), (10, 11, 12)), dataset="t")


def _spade(use_vae=False):
    torch.manual_seed(0)
    return SPADEGenerator(SPADEGeneratorConfig(semantic_channels=4, ngf=8, width=64, spade_hidden=8, use_vae=use_vae, z_dim=8)).eval()


def _clade():
    torch.manual_seed(0)
    return CLADEGenerator(CLADEGeneratorConfig(semantic_channels=4, ngf=8, width=64, spade_hidden=8)).eval()


@pytest.mark.parametrize("build", [lambda: (FastSPADEGenerator, _spade()), lambda: (FastSPADEGenerator, _spade(True)),
                                   lambda: (FastCLADEGenerator, _clade())])
def test_a_faithful_fast_path_passes_its_check(build, one_thread):
    fast_type, generator = build()
    fast = fast_type.from_generator(generator)
    assert check_fast_path(generator, fast) < 1e-5


def test_an_edited_spade_layer_is_refused(monkeypatch, one_thread):
    generator = _spade()
    original = SPADE.forward
    # An edit to the reference (say, a new scale on the modulation) that the fold does not know of.
    monkeypatch.setattr(SPADE, "forward", lambda self, x, segmap: original(self, x, segmap) * 1.01)
    with pytest.raises(FastPathMismatch, match=r"the fast SPADEGenerator computes another function than the reference: "
                                               r"max \|fast - reference\| = .* on a 64x64 test map"):
        FastSPADEGenerator.from_generator(generator)
    # The painter and CLI: backend "fast" refuses; "auto" warns and paints with the reference.
    model = GauGAN(generator, LABELS)
    with pytest.raises(FastPathMismatch):
        Synthesizer(model, backend="fast")
    with pytest.warns(UserWarning, match="using the torch backend"):
        synth = Synthesizer(model, backend="auto")
    assert synth.backend == "torch"
    ids = torch.zeros(64, 64, dtype=torch.long)
    with torch.no_grad():
        expected = generator(torch.nn.functional.one_hot(ids, 4).permute(2, 0, 1)[None].float())
    got = torch.tensor(np.asarray(synth(ids))).permute(2, 0, 1).float() / 127.5 - 1
    assert (got - expected[0]).abs().max() <= 1 / 127.5 + 1e-6  # the edited reference's picture, 8-bit rounded


def test_an_edited_clade_layer_is_refused(monkeypatch, one_thread):
    generator = _clade()
    original = CLADE.forward
    monkeypatch.setattr(CLADE, "forward", lambda self, x, labels: original(self, x, labels) + 0.01)
    with pytest.raises(FastPathMismatch, match="fast CLADEGenerator"):
        FastCLADEGenerator.from_generator(generator)
