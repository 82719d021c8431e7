#!/usr/bin/env bash
# Fetches Unroll's real data into ./data (git-ignored). See Tools/fetch_data.py for sources.
#   bash Tools/fetch-data.sh [--for-tests | --all] [--no-shared]
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 Tools/fetch_data.py "$@"
