#!/usr/bin/env bash
# The README's main job: install dependencies, fetch the real data, build in release mode, train
# the GloVe sentiment model on the Rotten Tomatoes snippets, print the test report and predictions.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/install-deps.sh
bash Tools/fetch-data.sh --all
swift build -c release -j 2 --product unroll
bin=.build/release/unroll
$bin train Examples/sentiment-glove.yaml --overwrite   # replaces the bundle of an earlier run of this job
echo
echo "predictions (unroll predict runs/sentiment-glove …):"
$bin predict runs/sentiment-glove \
    "A gorgeous, witty, seductive movie." \
    "The plot is a tired retread and the jokes fall flat." \
    "It's not a masterpiece, but it's never dull." \
    "An hour and a half of my life I will never get back."
