#!/bin/bash
# Issue #13's closing comparison: the 40-minute 128x96 pilot (configs/streets-pilot-128.yaml, 7,000
# steps, no encoder) retrained on this machine, and the shipped `streets` model, both scored on CamVid
# val (never trained on) by the embedded camvid judge with three evaluation seeds each (other style
# codes and another C2ST split: `--seed S --c2st-seed S`). One job at a time on 2 threads; the pilot
# takes about 50 minutes on a 2-vCPU AMD EPYC with AVX512-BF16. Rerun to resume. Not run by the tests.
#
#   scripts/compare_pilot_shipped.sh          # train the pilot (resuming), score both
#   scripts/compare_pilot_shipped.sh score    # only the scores
#   scripts/compare_pilot_shipped.sh c2st256  # the C2ST at the shipped model's 256x192 as well as at 128x96
#   scripts/compare_pilot_shipped.sh splits   # c2st256's pictures, the C2ST on 10 splits each, paired by split
#   scripts/compare_pilot_shipped.sh truncation  # the package (seeds at truncation 0.5) against the pilot, 10 splits
#
# `c2st256`: the classifier above sees 128x96, the pilot's own size, so it cannot see what the shipped model
# paints finer. Here both models' seed-0 pictures of the val layouts are scored as folders with the classifier
# at 256x192 (the shipped model's size; the pilot's pictures upscaled bicubic x2, as a user would have to)
# and, as a check against the scores above, at 128x96 (C2ST seeds 0, 1, 2 each).
set -euo pipefail
source "$(dirname "$0")/camvid_runs.sh"  # REPO, RUNS, DATA, GAUGAN, PYTHON, train_run, score
STAGE=${1:-all}
PILOT=$RUNS/streets-pilot-128

if [ "$STAGE" = all ]; then
  train_run "$PILOT" --config "$REPO/configs/streets-pilot-128.yaml"
fi

paired_splits() {  # shipped.json pilot.json: two `--c2st-repeats` scores on the same splits, compared split by split
  "$PYTHON" - "$1" "$2" <<'EOF'
import json, sys
from gaugan.eval.two_sample import standard_error
shipped, pilot = (json.load(open(path)) for path in sys.argv[1:])
a, b = (r["c2st_protocol"]["repeat_log_loss_bits"] for r in (shipped, pilot))
differences = [x - y for x, y in zip(a, b)]
mean, error = sum(differences) / len(differences), standard_error(differences)
width = shipped["c2st_protocol"]["resolution"][1]
print(f"classifier at {width} px, {len(a)} splits: shipped {shipped['c2st_log_loss_bits']:.3f} +- "
      f"{shipped['c2st_log_loss_bits_stderr']:.3f} bits, pilot {pilot['c2st_log_loss_bits']:.3f} +- "
      f"{pilot['c2st_log_loss_bits_stderr']:.3f}; shipped - pilot, paired by split: {mean:+.3f} +- {error:.3f} "
      "(more bits = harder to tell from the real frames)")
print("  per split, shipped / pilot:", ", ".join(f"{x:.3f}/{y:.3f}" for x, y in zip(a, b)))
EOF
}

# `splits`: one split of 101 layouts moves the cross-entropy by up to 0.2 bits, more than the two models
# differ. The same pictures as c2st256, each model scored on the same 10 splits (--c2st-repeats: the
# splits depend only on the seed and the layout count), and the difference taken split by split.
if [ "$STAGE" = splits ]; then
  [ -e "$RUNS/pictures-256/done" ] || { echo "run the c2st256 stage first (it paints the pictures)" >&2; exit 1; }
  for width in 256 128; do
    for model in shipped pilot; do
      name=splits$width-$model
      [ -e "$RUNS/scores/$name.json" ] && continue
      "$GAUGAN" evaluate --images "$RUNS/pictures-256/$model" --picture-suffix _seed0 --labels "$DATA/valannot" \
        --real "$DATA/val" --classes camvid --no-fid --no-segmenter --threads "$OMP_NUM_THREADS" \
        --c2st-max-width $width --c2st-repeats 10 -o "$RUNS/scores/$name.json" > "$RUNS/scores/$name.txt"
    done
    paired_splits "$RUNS/scores/splits$width-shipped.json" "$RUNS/scores/splits$width-pilot.json"
  done
  exit 0
fi

# `truncation`: the package's seeds draw style codes at truncation 0.5 (gaugan/streets/package.py). Both models
# scored as checkpoints (style codes drawn per layout), with 10 C2ST splits for evaluation seeds 0 and 1, the
# shipped model also at truncation 1 (the prior), each compared with the pilot split by split; then the
# folder comparison of `splits` again with the package's seed-0 pictures (one style code for every layout).
if [ "$STAGE" = truncation ]; then
  for seed in 0 1; do
    for model in trunc05 pilot shipped; do
      name=$model-splits-s$seed
      [ -e "$RUNS/scores/$name.json" ] && continue
      case $model in
        trunc05) checkpoint=(streets) ;;
        shipped) checkpoint=(streets --truncation 1) ;;
        pilot) checkpoint=("$PILOT/final") ;;
      esac
      "$GAUGAN" evaluate "${checkpoint[@]}" --dataset camvid --dataroot "$DATA" --split val --no-fid \
        --threads "$OMP_NUM_THREADS" --seed $seed --c2st-seed $seed --c2st-repeats 10 --diversity-seeds 0 \
        -o "$RUNS/scores/$name.json" > "$RUNS/scores/$name.txt"
    done
    echo "evaluation seed $seed, truncation 0.5:"; paired_splits "$RUNS/scores/trunc05-splits-s$seed.json" "$RUNS/scores/pilot-splits-s$seed.json"
    echo "evaluation seed $seed, truncation 1:"; paired_splits "$RUNS/scores/shipped-splits-s$seed.json" "$RUNS/scores/pilot-splits-s$seed.json"
  done
  [ -d "$RUNS/pictures-256/shipped-t05" ] || "$GAUGAN" synthesize streets "$DATA/valannot" --seeds 0 -o "$RUNS/pictures-256/shipped-t05"
  for width in 256 128; do
    name=splits$width-shipped-t05
    [ -e "$RUNS/scores/$name.json" ] || "$GAUGAN" evaluate --images "$RUNS/pictures-256/shipped-t05" --picture-suffix _seed0 \
      --labels "$DATA/valannot" --real "$DATA/val" --classes camvid --no-fid --no-segmenter --threads "$OMP_NUM_THREADS" \
      --c2st-max-width $width --c2st-repeats 10 -o "$RUNS/scores/$name.json" > "$RUNS/scores/$name.txt"
    echo "pictures as files, truncation 0.5:"; paired_splits "$RUNS/scores/$name.json" "$RUNS/scores/splits$width-pilot.json"
  done
  exit 0
fi

if [ "$STAGE" = c2st256 ]; then
  PICTURES=$RUNS/pictures-256
  if [ ! -e "$PICTURES/done" ]; then
    rm -rf "$PICTURES"
    "$GAUGAN" synthesize streets "$DATA/valannot" --seeds 0 -o "$PICTURES/shipped"
    "$GAUGAN" synthesize "$PILOT" "$DATA/valannot" -o "$PICTURES/pilot-128"
    "$PYTHON" - "$PICTURES/pilot-128" "$PICTURES/pilot" <<'EOF'
import pathlib, sys
from PIL import Image
source, target = map(pathlib.Path, sys.argv[1:])
target.mkdir()
for path in sorted(source.glob("*_seed0.png")):
    with Image.open(path) as picture:
        picture.convert("RGB").resize((256, 192), Image.BICUBIC).save(target / path.name)
EOF
    touch "$PICTURES/done"
  fi
  for width in 256 128; do
    for seed in 0 1 2; do
      for model in shipped pilot; do
        name=c2st$width-$model-s$seed
        [ -e "$RUNS/scores/$name.json" ] && continue
        "$GAUGAN" evaluate --images "$PICTURES/$model" --picture-suffix _seed0 --labels "$DATA/valannot" --real "$DATA/val" \
          --classes camvid --no-fid --no-fsd --threads "$OMP_NUM_THREADS" --c2st-max-width $width --c2st-seed $seed \
          -o "$RUNS/scores/$name.json" > "$RUNS/scores/$name.txt"
        echo "$name: $(grep '^C2ST' "$RUNS/scores/$name.txt")"
      done
    done
  done
  exit 0
fi

for seed in 0 1 2; do
  score "pilot-7000-s$seed" "$PILOT" --seed "$seed" --c2st-seed "$seed"
  score "shipped-s$seed" streets --seed "$seed" --c2st-seed "$seed"
done
