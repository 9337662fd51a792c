#!/bin/bash
# Issue #13's closing comparison: the 40-minute 128x96 pilot (configs/streets-pilot-128.yaml, 7,000
# steps, no encoder) retrained on this machine, and the shipped `streets` model, both scored on CamVid
# val (never trained on) by the embedded camvid judge with three evaluation seeds each (other style
# codes and another C2ST split: `--seed S --c2st-seed S`). One job at a time on 2 threads; the pilot
# takes about 50 minutes on a 2-vCPU AMD EPYC with AVX512-BF16. Rerun to resume. Not run by the tests.
#
#   scripts/compare_pilot_shipped.sh          # train the pilot (resuming), score both
#   scripts/compare_pilot_shipped.sh score    # only the scores
set -euo pipefail
source "$(dirname "$0")/camvid_runs.sh"  # REPO, RUNS, DATA, GAUGAN, PYTHON, train_run, score
STAGE=${1:-all}
PILOT=$RUNS/streets-pilot-128

if [ "$STAGE" = all ]; then
  train_run "$PILOT" --config "$REPO/configs/streets-pilot-128.yaml"
fi

for seed in 0 1 2; do
  score "pilot-7000-s$seed" "$PILOT" --seed "$seed" --c2st-seed "$seed"
  score "shipped-s$seed" streets --seed "$seed" --c2st-seed "$seed"
done
