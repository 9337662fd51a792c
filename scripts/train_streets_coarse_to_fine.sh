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
REPO=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-$HOME/gaugan-runs}
DATA=${DATA:-$REPO/../shared/data/camvid}
GAUGAN=$REPO/.venv/bin/gaugan
STAGE=${1:-all}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
mkdir -p "$RUNS/scores"
COARSE=$RUNS/streets-coarse-128
FINE=$RUNS/streets-fine-256

train() {  # output dir, extra arguments
  local dir=$1; shift
  [ -e "$dir/final/config.json" ] && return 0
  local resume=(); [ -e "$dir/checkpoints/latest" ] && resume=(--resume)
  "$GAUGAN" train --dataroot "$DATA" --output-dir "$dir" "${resume[@]}" "$@"
}

package() {  # run dir: its EMA generator, encoder and discriminator as float16, beside the run
  # Always with -o: without it the package replaces the shipped model in src/gaugan/streets/model.
  [ -e "$1-package/config.json" ] || "$REPO/.venv/bin/python" -m gaugan.streets.package "$1" -o "$1-package"
}

if [ "$STAGE" = all ]; then
  train "$COARSE" --config "$REPO/configs/streets-coarse-128.yaml"
  package "$COARSE"
  train "$FINE" --config "$REPO/configs/streets-256.yaml" --set init_from="$COARSE-package" \
    --iterations 1500 --decay-iterations 1000 --set checkpoint_every=100 --set keep_checkpoints=3
  package "$FINE"
fi

score() {  # name, checkpoint
  "$GAUGAN" evaluate "$2" --dataset camvid --dataroot "$DATA" --split val --no-fid --threads "$OMP_NUM_THREADS" \
    -o "$RUNS/scores/$1.json" > "$RUNS/scores/$1.txt"
  "$REPO/.venv/bin/python" -c 'import json, sys; r = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]:<12} mIoU {100 * r["miou"]:.1f} / real {100 * r["miou_real"]:.1f}  accuracy {100 * r["accuracy"]:.1f}"
      f"  C2ST {r["c2st_accuracy"]:.3f}  cross-entropy {r["c2st_log_loss_bits"]:.3f} bits  FSD {r["fsd"]:.3f}"
      f"  seed diversity {r["seed_diversity"]:.1f}")' "$RUNS/scores/$1.json" "$1"
}
score coarse-5000 "$COARSE-package"
score fine-2500 "$FINE-package"
