#!/bin/bash
# Does bf16 autocast train as well as fp32? (issue #14: bf16 becomes the CPU default only where
# it does.) The 128x96 streets pilot recipe (configs/streets-pilot-128.yaml: CamVid train, CLADE
# ngf 24, batch 4, no encoder) for 1,500 steps (1,000 constant + 500 linear decay), fp32 and bf16,
# seeds 0 and 1 each, so the seed-to-seed spread gives the noise the precision gap is judged
# against. Scored on CamVid val (never trained on) by a segmenter trained on the real train frames.
# Needs a CPU with native bf16 (AVX512-BF16 / AMX): elsewhere bf16 is emulated and very slow.
# Runs one training at a time on one thread (about 1 h 10 min on a 2-core Xeon with AMX); nothing
# here is run by the tests.
#
#   scripts/compare_precisions.sh          # train the four runs (skipping finished ones), score them
#   scripts/compare_precisions.sh score    # only the scores (trains the segmenter if it is missing)
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-$HOME/gaugan-runs}
DATA=${DATA:-$REPO/../shared/data/camvid}
SEG=${SEG:-$RUNS/seg-camvid-128}
GAUGAN=$REPO/.venv/bin/gaugan
STAGE=${1:-all}
export OMP_NUM_THREADS=1
mkdir -p "$RUNS"
runs=(bf16-s0 fp32-s0 bf16-s1 fp32-s1)   # interleaved, so a half-finished script already compares

if [ "$STAGE" = all ]; then
  for name in "${runs[@]}"; do
    dir=$RUNS/prec-$name
    [ -e "$dir/final/config.json" ] && continue
    precision=${name%-s*}; seed=${name#*-s}
    resume=(); [ -e "$dir/checkpoints/latest" ] && resume=(--resume)
    /usr/bin/time -v "$GAUGAN" train --config "$REPO/configs/streets-pilot-128.yaml" --dataroot "$DATA" \
      --iterations 1000 --decay-iterations 500 --set precision="$precision" --set seed="$seed" \
      --set sample_every=500 --output-dir "$dir" "${resume[@]}" > "$dir.out" 2>&1
    grep -E "Elapsed|User time" "$dir.out"
  done
fi

if [ ! -e "$SEG/segmenter.json" ]; then
  "$GAUGAN" train-segmenter --dataset camvid --dataroot "$DATA" --size 128x96 --steps 1200 \
    --val-split val --threads 1 -o "$SEG"
fi
for name in "${runs[@]}"; do
  "$GAUGAN" evaluate "$RUNS/prec-$name" --dataset camvid --dataroot "$DATA" --split val \
    --segmenter "$SEG" --no-fid --threads 1 -o "$RUNS/eval-prec-$name.json"
done
