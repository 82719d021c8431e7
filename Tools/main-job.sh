#!/usr/bin/env bash
# The README's main job: install dependencies, build in release mode, train and evaluate a model.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/install-deps.sh
swift build -c release -j 2 --product unroll-bench
.build/release/unroll-bench tensor
