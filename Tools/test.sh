#!/usr/bin/env bash
# The README's test command: installs dependencies, fetches the data the tests use, runs every test
# twice: once on the kernels this CPU picks, once with the other kernel path forced (the C kernels'
# next-lower instruction set and OpenBLAS's matching core), so a CPU without AVX-512 and one with
# it are both checked wherever this runs (`--once` skips the second pass); then every fuzz target
# for UNROLL_FUZZ_SECONDS (default 4) seconds. The outside plugin package (Examples/HighwayPlugin,
# which depends on Unroll by path) is built and its tests run once.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/install-deps.sh
if [ -f Tools/fetch-data.sh ]; then bash Tools/fetch-data.sh --for-tests; fi
swift build --build-tests -j 2

# The other path: AVX-512 hosts take AVX2 + OpenBLAS Haswell; AVX2 hosts the baseline + Sandybridge.
if grep -q avx512f /proc/cpuinfo 2>/dev/null; then
    forced=(UNROLL_KERNELS_ISA=avx2 OPENBLAS_CORETYPE=Haswell)
else
    forced=(UNROLL_KERNELS_ISA=baseline OPENBLAS_CORETYPE=Sandybridge)
fi

passed=0 failed=0 skipped=0 rc=0
run_suite() {   # $1: a label, $2: the package folder; the rest: environment settings for this pass
    local label=$1 package=$2; shift 2
    local log; log=$(mktemp)
    echo "== test pass: $label"
    set +e
    env "$@" swift test --package-path "$package" --skip-build --disable-swift-testing 2>&1 | tee "$log"
    local code=${PIPESTATUS[0]}
    set -e
    [ "$code" -ne 0 ] && rc=$code
    # XCTest's final summary: "Executed N tests, with F failures …"
    local summary total f s
    summary=$(grep -E "Executed [0-9]+ tests?" "$log" | tail -n 1 || true)
    rm -f "$log"
    if [ -z "$summary" ]; then rc=1; echo "test pass '$label' printed no summary"; return; fi
    total=$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$summary")
    f=$(sed -E 's/.* ([0-9]+) failures?.*/\1/' <<<"$summary")
    s=$(grep -oE '[0-9]+ tests? skipped' <<<"$summary" | grep -oE '^[0-9]+' || echo 0)
    passed=$((passed + total - f - s)) failed=$((failed + f)) skipped=$((skipped + s))
}

run_suite "kernels this CPU picks" .
if [ "${1:-}" != "--once" ]; then run_suite "forced: ${forced[*]}" . "${forced[@]}"; fi

# A plugin as a team elsewhere writes it: its own package, layer, cleaning step, metric, task and app.
swift build --build-tests -j 2 --package-path Examples/HighwayPlugin
run_suite "plugin package Examples/HighwayPlugin" Examples/HighwayPlugin

# Every parser of outside input under the mutation fuzzer for a bounded time (seed fixed, so a run
# is reproducible); a crash leaves crash-<target>.bin here and fails the target.
echo "== fuzz: each target ${UNROLL_FUZZ_SECONDS:-4} s"
for target in $(.build/debug/unroll-fuzz --list); do
    if .build/debug/unroll-fuzz "$target" --seconds "${UNROLL_FUZZ_SECONDS:-4}" --seed 1; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1)) rc=1
        echo "fuzz target $target crashed; input: crash-$target.bin"
    fi
done
# One plain closing line over both passes.
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$rc"
