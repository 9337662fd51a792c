# Sourced by the CamVid training scripts (compare_d_augment.sh, train_streets_coarse_to_fine.sh,
# compare_pilot_shipped.sh): where runs, data and the tools are, `train_run` (train, resuming, or skip a
# finished run), `score`, the embedded judge's one-line summary of a model, and `score_seeds` (evaluation
# seeds 0, 1, 2, skipping scores already written).
# Settings from the environment: RUNS (default ~/gaugan-runs), DATA (../shared/data/camvid),
# OMP_NUM_THREADS (2: one job at a time on both threads of a 2-vCPU machine).
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-$HOME/gaugan-runs}
DATA=${DATA:-$REPO/../shared/data/camvid}
GAUGAN=$REPO/.venv/bin/gaugan
PYTHON=$REPO/.venv/bin/python
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
mkdir -p "$RUNS/scores"

train_run() {  # output dir, gaugan train arguments: skipped when the run has finished, resumed when it has a checkpoint
  local dir=$1; shift
  [ -e "$dir/final/config.json" ] && return 0
  local resume=(); [ -e "$dir/checkpoints/latest" ] && resume=(--resume)
  "$GAUGAN" train --dataroot "$DATA" --output-dir "$dir" "${resume[@]}" "$@"
}

score() {  # name, checkpoint [evaluate options]: CamVid val (never trained on) -> RUNS/scores/NAME.json and .txt, one line printed
  local name=$1 checkpoint=$2; shift 2
  "$GAUGAN" evaluate "$checkpoint" --dataset camvid --dataroot "$DATA" --split val --no-fid --threads "$OMP_NUM_THREADS" \
    "$@" -o "$RUNS/scores/$name.json" > "$RUNS/scores/$name.txt"
  "$PYTHON" -c 'import json, sys
r = json.load(open(sys.argv[1]))  # no r["key"] inside an f-string: Python 3.11 refuses the nested quotes
line = "{0:<14} mIoU {1:.1f} / real {2:.1f}  accuracy {3:.1f}  C2ST {4:.3f}  cross-entropy {5:.3f} bits  FSD {6:.3f}".format(
    sys.argv[2], 100 * r["miou"], 100 * r["miou_real"], 100 * r["accuracy"], r["c2st_accuracy"], r["c2st_log_loss_bits"], r["fsd"])
if r.get("seed_diversity") is not None:
    line += "  seed diversity {0:.1f}".format(r["seed_diversity"])
if r.get("encoder_kl_nats") is not None:
    line += "  encoder KL {0:.2f} nats".format(r["encoder_kl_nats"])
if r.get("own_style_distance") is not None:
    line += "  own style {0:.2f} / other {1:.2f}".format(r["own_style_distance"], r["other_style_distance"])
if r.get("reference_light_slope") is not None:
    line += "  reference light slope {0:.2f}".format(r["reference_light_slope"])
print(line)' \
    "$RUNS/scores/$name.json" "$name"
}

score_seeds() {  # name, checkpoint: `score` with evaluation seeds 0, 1, 2 (other style codes, another C2ST split) as NAME-sS, unless written
  local name=$1 checkpoint=$2 seed
  for seed in 0 1 2; do
    [ -e "$RUNS/scores/$name-s$seed.json" ] || score "$name-s$seed" "$checkpoint" --seed "$seed" --c2st-seed "$seed"
  done
}
