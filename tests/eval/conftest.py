"""Fixtures for the evaluation tests."""

import pytest
import torch

from gaugan.eval.inception import FIDInceptionV3


@pytest.fixture(scope="session")
def random_weight_file(tmp_path_factory):
    """A state dict in pytorch-fid's key layout (random weights, with its 1008-way fc, without counters)."""
    torch.manual_seed(0)
    state = {k: v for k, v in FIDInceptionV3().state_dict().items() if not k.endswith("num_batches_tracked")}
    state["fc.weight"] = torch.randn(1008, 2048)
    state["fc.bias"] = torch.zeros(1008)
    path = tmp_path_factory.mktemp("w") / "pt_inception-2015-12-05-6726825d.pth"
    torch.save(state, path)
    return path
