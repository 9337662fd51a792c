#!/bin/bash
# The streets model coarse to fine (issue #13): stage 1 trains the shipped 256x192 recipe at 128x96
# (configs/streets-coarse-128.yaml: 5,000 steps from the shipped weights, z projection's start map
# averaged 6x8 -> 3x4, the 256 px style encoder kept, constant rate); stage 2 continues at 256x192
# from stage 1's package, discriminator included (1,500 steps at the constant rate, then 1,000 of
# linear decay to 0). Each stage is packaged (float16, EMA) and scored on CamVid val (never trained
# on) by the embedded camvid judge. One training at a time on 2 threads; about 35 + 39 minutes on a
# 2-vCPU AMD EPYC with AVX512-BF16 (bf16). Rerun to resume an unfinished stage. Not run by the tests.
#
#   scripts/train_streets_coarse_to_fine.sh          # train (resuming), package, score
#   scripts/train_streets_coarse_to_fine.sh score    # only the scores
set -euo pipefail
source "$(dirname "$0")/camvid_runs.sh"  # REPO, RUNS, DATA, GAUGAN, PYTHON, train_run, score
STAGE=${1:-all}
COARSE=$RUNS/streets-coarse-128
FINE=$RUNS/streets-fine-256

package() {  # run dir: its EMA generator, encoder and discriminator as float16, beside the run
  # Always with -o: without it the package replaces the shipped model in src/gaugan/streets/model.
  [ -e "$1-package/config.json" ] || "$PYTHON" -m gaugan.streets.package "$1" -o "$1-package"
}

if [ "$STAGE" = all ]; then
  train_run "$COARSE" --config "$REPO/configs/streets-coarse-128.yaml"
  package "$COARSE"
  train_run "$FINE" --config "$REPO/configs/streets-256.yaml" --set init_from="$COARSE-package" \
    --iterations 1500 --decay-iterations 1000 --set checkpoint_every=100 --set keep_checkpoints=3
  package "$FINE"
fi

score coarse-5000 "$COARSE-package"
score fine-2500 "$FINE-package"
