#!/bin/bash
# The official NVlabs/SPADE code and gaugan on LabelMeFacade, scored with one protocol (issue #17;
# README "Any system's pictures, one protocol"). About 1.5 h on 2 CPU cores; nothing here is run by
# the tests. Needs: this repository's .venv, ../shared/data/labelmefacade, a checkout of
# NVlabs/SPADE in $SPADE (its sync_batchnorm submodule may be absent: see below) and a scratch venv
# $SPADE_VENV with torch, torchvision, dill, dominate, scipy (official code needs torchvision).
#
#   SPADE=/tmp/spade-official SPADE_VENV=/tmp/spade-venv scripts/compare_official_spade.sh
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
SPADE=${SPADE:?checkout of NVlabs/SPADE}
SPADE_VENV=${SPADE_VENV:?venv with torch + torchvision for the official code}
WORK=${WORK:-/tmp/facade-spade}
RUNS=${RUNS:-$HOME/gaugan-runs}
DATA=${DATA:-$REPO/../shared/data/labelmefacade}
GAUGAN=$REPO/.venv/bin/gaugan
export OMP_NUM_THREADS=1
mkdir -p "$WORK" "$RUNS"

# One CPU process: the official synchronized batch norm is plain batch norm; only if it is missing.
if [ ! -e "$SPADE/models/networks/sync_batchnorm/__init__.py" ]; then
  mkdir -p "$SPADE/models/networks/sync_batchnorm"
  printf 'import torch.nn as nn\nSynchronizedBatchNorm2d = nn.BatchNorm2d\nDataParallelWithCallback = nn.DataParallel\n' \
    > "$SPADE/models/networks/sync_batchnorm/__init__.py"
fi

# The official custom layout, decoded by gaugan's own colour table (ids 0..8 in gaugan's order).
"$REPO/.venv/bin/python" - "$DATA" "$WORK" <<'EOF'
import shutil, sys
from pathlib import Path
import numpy as np
from PIL import Image
from gaugan.data import ids_from_colors, load_labelset
root, out = Path(sys.argv[1]), Path(sys.argv[2])
labels = load_labelset("labelmefacade")
for split in ("train", "test"):
    names = [Path(line.strip()).stem for line in (root / f"{split}.txt").read_text().splitlines() if line.strip()]
    for kind in ("img", "label"):
        (out / f"{split}_{kind}").mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(root / "images" / f"{name}.jpg", out / f"{split}_img" / f"{name}.jpg")
        ids = ids_from_colors(np.asarray(Image.open(root / "labels" / f"{name}.png").convert("RGB")), labels, name)
        Image.fromarray(ids.astype(np.uint8)).save(out / f"{split}_label" / f"{name}.png")
    print(split, len(names), "pairs")
EOF

# The judge: a segmenter trained on the real training photos, scored on the real test photos.
"$GAUGAN" train-segmenter --dataset labelmefacade --dataroot "$DATA" --split train --val-split test \
  --size 128x96 --steps 1000 --threads 1 -o "$RUNS/seg-facade-128"

# The same recipe on both sides: SPADE ngf/ndf 32, batch 4, 128x96, no VGG, 400 iterations (16 epochs).
official=(--dataset_mode custom --label_nc 9 --no_instance --preprocess_mode fixed --load_size 128 --crop_size 128
  --aspect_ratio 1.3333333 --ngf 32 --gpu_ids -1 --name facade128 --checkpoints_dir "$WORK/ckpt")
(cd "$SPADE" && /usr/bin/time -v "$SPADE_VENV/bin/python" train.py "${official[@]}" --label_dir "$WORK/train_label" \
  --image_dir "$WORK/train_img" --ndf 32 --batchSize 4 --no_vgg_loss --niter 16 --niter_decay 0 \
  --display_freq 100000 --print_freq 100 --save_epoch_freq 100 && \
 "$SPADE_VENV/bin/python" test.py "${official[@]}" --label_dir "$WORK/test_label" --image_dir "$WORK/test_img" \
  --results_dir "$WORK/results" --how_many 100000) > "$RUNS/official.out" 2>&1 &
/usr/bin/time -v "$GAUGAN" train --preset labelmefacade --dataroot "$DATA" --set preprocess=fixed --load-size 128 \
  --crop-size 128 --set aspect_ratio=1.3333333 --ngf 32 --ndf 32 --batch-size 4 --no-vgg --iterations 400 \
  --output-dir "$RUNS/facade-spade-400" > "$RUNS/gaugan-train.out" 2>&1
wait

# One protocol for every folder of pictures.
score=(--labels "$WORK/test_label" --real "$WORK/test_img" --classes labelmefacade --label-encoding model
  --label-resize any --segmenter "$RUNS/seg-facade-128" --no-fid --no-c2st --threads 1)
"$GAUGAN" evaluate --images "$WORK/results/facade128/test_latest/images/synthesized_image" "${score[@]}" \
  --report "$RUNS/report-official" -o "$RUNS/eval-official.json"
for kind in ema raw; do
  flag=(); [ "$kind" = raw ] && flag=(--raw)
  "$GAUGAN" synthesize "$RUNS/facade-spade-400" "${flag[@]}" "$WORK/test_label" --label-encoding model -o "$RUNS/pictures-gaugan-$kind"
  "$GAUGAN" evaluate --images "$RUNS/pictures-gaugan-$kind" --picture-suffix _seed0 "${score[@]}" \
    --report "$RUNS/report-gaugan-$kind" -o "$RUNS/eval-gaugan-$kind.json"
done
