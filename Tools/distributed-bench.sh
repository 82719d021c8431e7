#!/usr/bin/env bash
# Data-parallel throughput on this machine (docs/distributed.md): models (a) and (e) of
# `unroll-bench rnn` as 1 process × 1 thread, 1 process × 2 threads and 2 ranks × 1 thread, run
# alternately ROUNDS times (default 3), then the allreduce sweep with its α–β fit.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product unroll-bench -j 2 >/dev/null
bench=.build/release/unroll-bench
mpi=(mpirun --oversubscribe -np 2)
[ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)
head -n 1 < <(lscpu | grep 'Model name') || true
grep -o 'avx512f\|avx2' /proc/cpuinfo | sort -u | tr '\n' ' '; echo
for _ in $(seq "${ROUNDS:-3}"); do
    UNROLL_NUM_THREADS=1 "$bench" distributed
    UNROLL_NUM_THREADS=2 "$bench" distributed
    UNROLL_NUM_THREADS=1 "${mpi[@]}" "$bench" distributed
done
