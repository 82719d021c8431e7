#!/usr/bin/env bash
# The G2P attention example trained with several seeds, decoded as an ensemble (each beam-search
# step averages the models' phoneme probabilities): the figures docs/benchmarks.md gives for it.
#
#   bash Tools/g2p-ensemble.sh [SEEDS…]     (default: 1 2 3)
#
# Each seed is a full training of the example: 38 min on 2 cores of a Zen 5 EPYC.
#
# Bundles go to runs/g2p-cmudict-attention-seedK; a seed whose bundle exists is not trained again.
# With SPLIT_SEED=N every seed trains with the spec's split.seed N, so all of them hold out the
# same validation words (by default each seed's validation words are its own); their bundles go to
# runs/g2p-cmudict-attention-splitN-seedK.
# Prints each model's test report line, then the ensemble's: scored against each test word's first
# pronunciation, then against any of its pronunciations (the data's test_alternatives).
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3)
bash Tools/fetch-data.sh
swift build -c release -j 2 --product unroll
bin=.build/release/unroll
spec=Examples/g2p-cmudict-attention.yaml
split=()
tag=
if [ -n "${SPLIT_SEED:-}" ]; then split=(--set "split.seed=$SPLIT_SEED"); tag=-split$SPLIT_SEED; fi
bundles=()
for s in "${seeds[@]}"; do
    out=runs/g2p-cmudict-attention$tag-seed$s
    [ -f "$out/manifest.json" ] || $bin train $spec --set seed=$s "${split[@]}" --output "$out" --quiet
    bundles+=("$out")
    echo "seed $s: $($bin evaluate "$out" | grep decoded_exact_match)"
done
others=()
for b in "${bundles[@]:1}"; do others+=(--ensemble "$b"); done
echo "ensemble of ${#bundles[@]}, first pronunciation: $($bin evaluate "${bundles[0]}" "${others[@]}" | grep decoded_exact_match)"
echo "ensemble of ${#bundles[@]}, any pronunciation: $($bin evaluate "${bundles[0]}" $spec --set data.test_alternatives=true "${others[@]}" | grep decoded_exact_match)"
