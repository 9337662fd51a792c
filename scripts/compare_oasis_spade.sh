#!/bin/bash
# SPADE's recipe (hinge + feature matching, no VGG) against OASIS (segmentation discriminator,
# 3D noise, LabelMix) at equal wall-clock, side by side with one thread each (issue #15).
# LabelMeFacade train list at 128x96, ngf/ndf 32, batch 4; scored on the held-out test list by a
# segmenter trained on the real training photos. About 1.5 h on 2 CPU cores with the default
# MINUTES=62; nothing here is run by the tests.
#
#   scripts/compare_oasis_spade.sh            # train both, train the segmenter, score, picture sheet
#   scripts/compare_oasis_spade.sh train      # only the two trainings (stopped by SIGTERM at MINUTES)
#   scripts/compare_oasis_spade.sh score      # only the segmenter (if missing), scores and pictures
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-$HOME/gaugan-runs}
DATA=${DATA:-$REPO/../shared/data/labelmefacade}
MINUTES=${MINUTES:-62}
GAUGAN=$REPO/.venv/bin/gaugan
STAGE=${1:-all}
export OMP_NUM_THREADS=1
mkdir -p "$RUNS"

common=(--preset labelmefacade --dataroot "$DATA" --set preprocess=fixed --load-size 128 --crop-size 128
  --set aspect_ratio=1.3333333 --ngf 32 --ndf 32 --batch-size 4 --no-vgg --iterations 100000
  --checkpoint-every 100 --set keep_checkpoints=2 --set num_workers=0)
# The OASIS paper's switches: its discriminator and generator, no feature matching, Adam beta2
# 0.999; five D blocks because 96 rows divide by 2^5, not 2^6; no instance maps (OASIS has none).
oasis=(--generator oasis --set discriminator=oasis --set lambda_feat=0 --set oasis_d_blocks=5
  --set beta2=0.999 --set instances=false)

train() {  # NAME EXTRA-FLAGS...: one run, stopped gracefully (SIGTERM -> checkpoint) after MINUTES
  local name=$1; shift
  # timeout's status is 124 when it sent the signal; gaugan's own is 75 after a graceful stop
  /usr/bin/time -v timeout -s TERM "${MINUTES}m" "$GAUGAN" train "${common[@]}" "$@" \
    --output-dir "$RUNS/cmp-$name" > "$RUNS/cmp-$name.out" 2>&1 || true
  grep -q "stopped by SIGTERM" "$RUNS/cmp-$name.out" || { tail -20 "$RUNS/cmp-$name.out"; exit 1; }
}

if [ "$STAGE" = all ] || [ "$STAGE" = train ]; then
  train spade &
  train oasis "${oasis[@]}" &
  wait
  for name in spade oasis; do
    grep -E "stopped by|User time|System time|Elapsed" "$RUNS/cmp-$name.out"
  done
fi
[ "$STAGE" = train ] && exit 0

# The judge: a segmenter trained on the real training photos, scored on the real test photos.
if [ ! -e "$RUNS/seg-facade-128/segmenter.json" ]; then
  "$GAUGAN" train-segmenter --dataset labelmefacade --dataroot "$DATA" --split train --val-split test \
    --size 128x96 --steps 1000 --threads 2 -o "$RUNS/seg-facade-128"
fi
for name in spade oasis; do
  "$GAUGAN" evaluate "$RUNS/cmp-$name" --dataset labelmefacade --dataroot "$DATA" --split test \
    --segmenter "$RUNS/seg-facade-128" --no-fid --threads 2 \
    --report "$RUNS/report-cmp-$name" -o "$RUNS/eval-cmp-$name.json"
done
PYTHONPATH="$REPO/scripts" "$REPO/.venv/bin/python" "$REPO/scripts/make_comparison_sheet.py" --dataset labelmefacade \
  --dataroot "$DATA" --split test --system "SPADE=$RUNS/cmp-spade" --system "OASIS=$RUNS/cmp-oasis" \
  -o "$REPO/docs/oasis-vs-spade.png"
