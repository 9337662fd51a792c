#!/bin/bash
# Issue #13, 2026-12-06: the shipped `streets` model (free bits, scripts/train_streets_free_bits.sh), with its
# discriminator, continued with an L1 on chroma alone (`lambda_l1_chroma` 30: BT.601 Cb/Cr of the picture
# against the real frame whose style the encoder passed on, losses/chroma.py) beside the same losses. Why: at
# the classifier two-sample test's 128x96 the pictures are told apart by their tree crowns, painted pink and
# green where CamVid's bare winter branches are brown-grey against the sky (no training frame has pink
# trees: mean tree (R+B)/2 - G is -4.0 / -0.5 / -2.0 in the three training drives); the RGB L1 already
# in the recipe charges that colour only as much as the brightness detail it also blurs. 1,600 steps at the
# constant rate + 800 of linear decay (about 35 min on 2 threads of a 2-vCPU AMX Xeon), then scored with
# evaluation seeds 0, 1, 2. Second run: that model (packaged, so with its discriminator) continued with the
# chroma weight raised to 100, 1,600 + 800 steps again, because the first moved the trees from pink toward
# brown-grey and every score a little the right way. Rerun to resume. Not run by the tests.
#
#   scripts/train_streets_chroma.sh          # train (resuming), score
#   scripts/train_streets_chroma.sh score    # only the scores
set -euo pipefail
source "$(dirname "$0")/camvid_runs.sh"  # REPO, RUNS, DATA, GAUGAN, PYTHON, train_run, score_seeds
STAGE=${1:-all}
RUN=$RUNS/streets-chroma
RUN2=$RUNS/streets-chroma-100
CHROMA=(--config "$REPO/configs/streets-256.yaml" --iterations 1600 --decay-iterations 800
        --set lambda_l1=10 --set lambda_kld=0.005 --set kld_free_bits=0.02)

if [ "$STAGE" = all ]; then
  train_run "$RUN" "${CHROMA[@]}" --set init_from=streets --set lambda_l1_chroma=30
  # packaged first: a package ships its discriminator, a run's export does not (init_from would start D fresh)
  [ -e "$RUN-package/discriminator.safetensors" ] || "$PYTHON" -m gaugan.streets.package "$RUN" -o "$RUN-package"
  train_run "$RUN2" "${CHROMA[@]}" --set init_from="$RUN-package" --set lambda_l1_chroma=100
fi

score_seeds chroma "$RUN"
score_seeds chroma-100 "$RUN2"
