#!/usr/bin/env bash
# The README's test command: installs dependencies, fetches the data the tests use, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/install-deps.sh
if [ -f Tools/fetch-data.sh ]; then bash Tools/fetch-data.sh --for-tests; fi
swift build --build-tests -j 2
log=$(mktemp)
set +e
swift test --skip-build --disable-swift-testing 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
# One plain closing line: "tests: N passed, N failed[, N skipped]" from XCTest's final summary.
summary=$(grep -E "Executed [0-9]+ tests?" "$log" | tail -n 1 || true)
total=$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$summary")
failed=$(sed -E 's/.* ([0-9]+) failures?.*/\1/' <<<"$summary")
skipped=$(grep -oE '[0-9]+ tests? skipped' <<<"$summary" | grep -oE '^[0-9]+' || echo 0)
rm -f "$log"
if [ -n "$total" ]; then
    echo "tests: $((total - failed - skipped)) passed, $failed failed, $skipped skipped"
fi
exit "$rc"
