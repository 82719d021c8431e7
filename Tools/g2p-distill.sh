#!/usr/bin/env bash
# Sequence-level knowledge distillation on the G2P attention example: the ensemble of
# Tools/g2p-ensemble.sh (its seeds' bundles, trained if missing) decodes the training words
# (`unroll distill`), and one model of the same spec trains on those decodings instead of the
# dictionary's (`task.train_targets`); validation and test words keep the dictionary's.
#
#   bash Tools/g2p-distill.sh [STUDENT_SEED] [TEACHER_SEEDS…]     (default: 1, teachers 1 2 3)
#
# Decoding the 119,702 training words with three models: about 4 min on 2 cores of a Zen 5 EPYC;
# the student trains as long as the example (38 min there). Prints the student's test report line
# against each word's first pronunciation, then against any of its pronunciations. SPLIT_SEED=N
# (as in g2p-ensemble.sh) trains the teachers and the student with split.seed N: one validation
# part for all of them, so their validation figures compare.
set -euo pipefail
cd "$(dirname "$0")/.."
student=${1:-1}
shift || true
teachers=("$@")
[ ${#teachers[@]} -gt 0 ] || teachers=(1 2 3)
bash Tools/g2p-ensemble.sh "${teachers[@]}"
bin=.build/release/unroll
spec=Examples/g2p-cmudict-attention.yaml
split=()
tag=
if [ -n "${SPLIT_SEED:-}" ]; then split=(--set "split.seed=$SPLIT_SEED"); tag=-split$SPLIT_SEED; fi
others=()
for s in "${teachers[@]:1}"; do others+=(--ensemble runs/g2p-cmudict-attention$tag-seed$s); done
decoded=$PWD/runs/g2p-cmudict$tag-teacher-$(IFS=-; echo "${teachers[*]}").tsv
[ -f "$decoded" ] ||
    $bin distill runs/g2p-cmudict-attention$tag-seed${teachers[0]} $spec "${others[@]}" --output "$decoded"
out=runs/g2p-cmudict$tag-distilled-seed$student
[ -f "$out/manifest.json" ] ||
    $bin train $spec --set seed=$student "${split[@]}" --set task.train_targets="$decoded" --output "$out" --quiet
echo "student (seed $student), first pronunciation: $($bin evaluate "$out" | grep decoded_exact_match)"
echo "student (seed $student), any pronunciation: $($bin evaluate "$out" $spec --set data.test_alternatives=true | grep decoded_exact_match)"
