"""Fixtures for the evaluation tests."""

import numpy as np
import pytest
import torch
from PIL import Image
from train_helpers import TOY_LABELS, ToyPairs

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


@pytest.fixture
def toy_folder(tmp_path):
    """ROOT/images/*.png + ROOT/labels/*.png (class ids) + ROOT/palette.csv: 8 pairs at 32x32."""
    root = tmp_path / "toy"
    (root / "images").mkdir(parents=True)
    (root / "labels").mkdir()
    rows = [f"{i},{name},{r},{g},{b}" for i, (name, (r, g, b)) in enumerate(zip(TOY_LABELS.names, TOY_LABELS.colors))]
    (root / "palette.csv").write_text("id,name,r,g,b\n" + "\n".join(rows) + "\n")
    data = ToyPairs(n=8, size=32, seed=4)
    for i in range(len(data)):
        pixels = ((data.image[i].permute(1, 2, 0) + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).numpy()
        Image.fromarray(pixels).save(root / "images" / f"{i:03d}.png")
        Image.fromarray(data.label[i].numpy().astype(np.uint8)).save(root / "labels" / f"{i:03d}.png")
    return root
