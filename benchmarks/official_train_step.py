"""Times the official NVlabs/SPADE training iteration; driven by `train_configs.py`, not run alone.

Run with a Python that has the official code's dependencies (torch + torchvision), with the
working directory at a checkout of NVlabs/SPADE (never committed here). One line on stdin per
iteration to time; one line back: the seconds of `Pix2PixTrainer.run_generator_one_step` +
`run_discriminator_one_step`, the loop of the official ``train.py``, on one random batch.

    python official_train_step.py SIZE BATCH NGF LABEL_NC THREADS [official train.py options...]

The official code imports ``models/networks/sync_batchnorm``, a git submodule that a plain
clone lacks; one CPU process needs only plain batch norm, so a stand-in module is written when
it is missing (as scripts/compare_official_spade.sh does).
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
