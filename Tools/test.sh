#!/usr/bin/env bash
# The README's test command: installs dependencies, fetches the data the tests use, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/install-deps.sh
if [ -x Tools/fetch-data.sh ]; then bash Tools/fetch-data.sh --for-tests; fi
swift build --build-tests -j 2
swift test --skip-build
