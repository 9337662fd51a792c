#!/bin/bash
# Does DiffAugment (d_augment, gaugan.train.d_augment) make the street pictures more real at equal
# steps? The 128x96 streets pilot recipe (configs/streets-pilot-128.yaml: CamVid train, CLADE ngf 24,
# batch 4, no encoder, constant rate) with and without d_augment=color,translation,cutout, both
# scored at step 4,000 on CamVid val (never trained on) by the embedded camvid judge; the plain run
# goes on to 7,000 steps, the issue #13 pilot that the shipped model must beat. One training at a time
# on 2 threads (2-vCPU machines: two jobs side by side run far slower than one after the other);
# about 1 h 50 min of training on a 2-core AVX2 EPYC in fp32. Nothing here is run by the tests.
#
#   scripts/compare_d_augment.sh          # train both runs (resuming unfinished ones), score them
#   scripts/compare_d_augment.sh score    # only the scores
set -euo pipefail
source "$(dirname "$0")/camvid_runs.sh"  # REPO, RUNS, DATA, GAUGAN, score
STAGE=${1:-all}
PILOT=$RUNS/streets-pilot-128
AUGMENTED=$RUNS/streets-pilot-128-diffaug

train() {  # output dir, extra arguments
  local dir=$1; shift
  [ -e "$dir/final/config.json" ] && return 0
  local resume=(); [ -e "$dir/checkpoints/latest" ] && resume=(--resume)
  /usr/bin/time -v "$GAUGAN" train --config "$REPO/configs/streets-pilot-128.yaml" --dataroot "$DATA" \
    --set precision=auto --set keep_checkpoints=20 --output-dir "$dir" "${resume[@]}" "$@" > "$dir.out" 2>&1
  grep -E "Elapsed|User time" "$dir.out"
}

if [ "$STAGE" = all ]; then
  train "$PILOT"
  train "$AUGMENTED" --set d_augment=color,translation,cutout --iterations 4000
fi

score pilot-4000 "$PILOT/checkpoints/step_00004000"
score diffaug-4000 "$AUGMENTED/checkpoints/step_00004000"
score pilot-7000 "$PILOT/final"
