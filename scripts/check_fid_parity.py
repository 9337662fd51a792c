"""One-off check: our FIDInceptionV3 vs pytorch-fid's InceptionV3 on the same weights and images.

Needs a scratch environment with pytorch-fid (which needs torchvision), e.g.
    python3 -m venv /tmp/fidvenv && /tmp/fidvenv/bin/pip install torch==2.14.1 torchvision==0.29.1 pytorch-fid
    PYTHONPATH=src /tmp/fidvenv/bin/python scripts/check_fid_parity.py [WEIGHTS.pth]
Without a weight file it writes random weights in pytorch-fid's layout (the real file cannot be
downloaded here) with non-trivial BN statistics, so every layer matters. pytorch-fid's weight
download is replaced by loading that file. Prints the max abs difference of the 2048-d features.
"""

import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from pytorch_fid import inception as pf

from gaugan.eval.inception import FIDInceptionV3


def random_weights(path: Path) -> None:
    torch.manual_seed(0)
    model = FIDInceptionV3()
    state = {}
    for key, value in model.state_dict().items():
        if key.endswith("num_batches_tracked"):
            continue
        if key.endswith("running_var"):
            value = torch.rand_like(value) * 0.5 + 0.05  # shrinks variance-preserving weights' outputs less
        elif key.endswith("running_mean"):
            value = torch.randn_like(value) * 0.05
        elif key.endswith("bn.weight"):
            value = torch.rand_like(value) * 0.5 + 0.5
        state[key] = value
    state["fc.weight"] = torch.randn(1008, 2048) * 0.01
    state["fc.bias"] = torch.zeros(1008)
    torch.save(state, path)


def main() -> None:
    if len(sys.argv) > 1:
        weights = Path(sys.argv[1])
    else:
        weights = Path(tempfile.mkdtemp()) / "pt_inception-2015-12-05-6726825d.pth"
        random_weights(weights)
    pf.load_state_dict_from_url = lambda *args, **kwargs: torch.load(weights, weights_only=True)
    theirs = pf.InceptionV3([pf.InceptionV3.BLOCK_INDEX_BY_DIM[2048]], use_fid_inception=True).eval()
    ours = FIDInceptionV3.from_file(weights)
    torch.manual_seed(1)
    images = torch.rand(8, 3, 256, 256)
    images[4:] = torch.nn.functional.avg_pool2d(images[4:], 9, 1, 4)  # smoother images too
    with torch.no_grad():
        a = theirs(images)[0].flatten(1).double().numpy()
        b = ours(images).double().numpy()
    print(f"weights: {weights}")
    print(f"feature scale (max |f|): {np.abs(a).max():.4g}")
    print(f"max abs difference: {np.abs(a - b).max():.3g}")
    print(f"max relative difference: {np.abs(a - b).max() / np.abs(a).max():.3g}")


if __name__ == "__main__":
    main()
