"""Times the official NVlabs/SPADE training iteration; driven by `train_configs.py`, not run alone.

Run with a Python that has the official code's dependencies (torch + torchvision), with the
working directory at a checkout of NVlabs/SPADE (never committed here). One line on stdin per
iteration to time; one line back: the seconds of `Pix2PixTrainer.run_generator_one_step` +
`run_discriminator_one_step`, the loop of the official ``train.py``, on one random batch.

    python official_train_step.py SIZE BATCH NGF LABEL_NC THREADS [official train.py options...]

The official code imports ``models/networks/sync_batchnorm``, a git submodule that a plain
clone lacks; one CPU process needs only plain batch norm, so a stand-in module is written when
it is missing (as scripts/compare_official_spade.sh does). Likewise torchvision, which the official
code imports for the VGG loss and its data transforms, neither of which this iteration calls: where
it cannot be imported (PyPI's torchvision fails beside a CPU-only torch build: "operator
torchvision::nms does not exist"), a stand-in whose ``models.vgg19`` raises and whose ``transforms``
is empty is put first on the path, so that the official row runs under the very torch build our
rows use.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

size, batch, ngf, label_nc, threads = (int(v) for v in sys.argv[1:6])
extra = sys.argv[6:]

stand_in = Path("models/networks/sync_batchnorm/__init__.py")
if not stand_in.exists():
    stand_in.parent.mkdir(parents=True, exist_ok=True)
    stand_in.write_text("import torch.nn as nn\nSynchronizedBatchNorm2d = nn.BatchNorm2d\n"
                        "DataParallelWithCallback = nn.DataParallel\n")

sys.path.insert(0, os.getcwd())  # the official checkout
import torch  # noqa: E402

torch.set_num_threads(threads)
scratch = tempfile.mkdtemp(prefix="official-spade-")
try:
    import torchvision  # noqa: E402, F401
except Exception:  # noqa: BLE001 (an ImportError, or the RuntimeError of a mismatched build)
    for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
        del sys.modules[name]
    stand_in_vision = Path(scratch) / "stand-ins" / "torchvision"
    stand_in_vision.mkdir(parents=True)
    (stand_in_vision / "__init__.py").write_text("from . import models, transforms\n")
    (stand_in_vision / "transforms.py").write_text("")
    (stand_in_vision / "models.py").write_text(
        "def vgg19(*args, **kwargs):\n    raise RuntimeError('stand-in torchvision: the VGG loss is off (--no_vgg_loss)')\n")
    sys.path.insert(0, str(stand_in_vision.parent))
sys.argv = ["train.py", "--gpu_ids", "-1", "--no_vgg_loss", "--dataset_mode", "coco", "--label_nc", str(label_nc),
            "--batchSize", str(batch), "--crop_size", str(size), "--load_size", str(size), "--ngf", str(ngf),
            "--name", "bench", "--checkpoints_dir", scratch, "--dataroot", scratch, *extra]
sys.stdout, real_stdout = open(os.devnull, "w"), sys.stdout  # the option dump
from options.train_options import TrainOptions  # noqa: E402
from trainers.pix2pix_trainer import Pix2PixTrainer  # noqa: E402

opt = TrainOptions().parse()
trainer = Pix2PixTrainer(opt)
sys.stdout = real_stdout

generator = torch.Generator().manual_seed(0)
classes = label_nc + int(opt.contain_dontcare_label)
blocks = torch.randint(0, classes, (batch, 1, size // 16, size // 16), generator=generator).float()
instances = torch.randint(0, 4, (batch, 1, size // 8, size // 8), generator=generator).float()
data = {
    "label": torch.nn.functional.interpolate(blocks, size=(size, size), mode="nearest"),
    "instance": torch.nn.functional.interpolate(instances, size=(size, size), mode="nearest"),
    "image": torch.rand(batch, 3, size, size, generator=generator) * 2 - 1,
    "path": ["random"] * batch,
}
print("ready", flush=True)
for _ in sys.stdin:
    start = time.perf_counter()
    trainer.run_generator_one_step(data)
    trainer.run_discriminator_one_step(data)
    print(f"{time.perf_counter() - start:.4f}", flush=True)
