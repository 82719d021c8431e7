#!/usr/bin/env bash
# The README's test command: installs dependencies, fetches the data the tests use, runs every test
# twice: once on the kernels this CPU picks, once with the other kernel path forced (the C kernels'
# next-lower instruction set and OpenBLAS's matching core), so a CPU without AVX-512 and one with
# it are both checked wherever this runs (`--once` skips the second pass); then every fuzz target
# for UNROLL_FUZZ_SECONDS (default 4) seconds. The outside plugin package (Examples/HighwayPlugin,
# which depends on Unroll by path) is built and its tests run once.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/install-deps.sh --for-tests
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

# The first pass is the CPU's own choice even where the environment forces a kernel family (one
# image exported OPENBLAS_CORETYPE=Haswell on an AVX-512 EPYC, which left the AVX-512 path untested).
for v in OPENBLAS_CORETYPE UNROLL_KERNELS_ISA; do
    if [ -n "${!v:-}" ]; then echo "test.sh: the first pass ignores $v=${!v} from the environment"; fi
done
run_suite "kernels this CPU picks" . -u OPENBLAS_CORETYPE -u UNROLL_KERNELS_ISA
if [ "${1:-}" != "--once" ]; then run_suite "forced: ${forced[*]}" . "${forced[@]}"; fi

# A plugin as a team elsewhere writes it: its own package, layer, cleaning step, metric, task and app.
swift build --build-tests -j 2 --package-path Examples/HighwayPlugin
run_suite "plugin package Examples/HighwayPlugin" Examples/HighwayPlugin

# A build without MPI (UNROLL_MPI=0, as on a machine without Open MPI's headers): it trains on one
# process, and refuses a job an MPI launcher started rather than let every rank write the same bundle.
echo "== build without MPI (UNROLL_MPI=0)"
UNROLL_MPI=0 swift build -j 2 --product unroll --scratch-path .build-nompi
nompi=$(mktemp -d)
check() {   # $1: what is checked; the rest: the command, which must succeed
    local what=$1; shift
    if "$@"; then passed=$((passed + 1)); echo "ok: $what"; else failed=$((failed + 1)) rc=1; echo "FAILED: $what"; fi
}
check "without MPI, one process trains" \
    .build-nompi/debug/unroll train Examples/hello.yaml --quiet --output "$nompi/one"
refused() {   # exits non-zero, says why, and writes nothing
    local out code=0
    out=$(OMPI_COMM_WORLD_SIZE=2 .build-nompi/debug/unroll train Examples/hello.yaml --output "$nompi/two" 2>&1) || code=$?
    echo "$out"
    [ "$code" -ne 0 ] && grep -q "built without MPI" <<<"$out" && [ ! -e "$nompi/two" ]
}
check "without MPI, a launcher's 2-process job is refused with the reason" refused
rm -rf "$nompi"

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
