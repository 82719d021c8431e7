#!/usr/bin/env bash
# Installs what Unroll needs from Debian's packages: OpenBLAS (CBLAS header + library), and Open MPI
# (runtime, headers, pkg-config) for data-parallel training — Unroll builds without MPI too
# (docs/distributed.md), but the tests run two ranks. `--no-mpi` installs OpenBLAS only;
# `--for-tests` adds Chromium, in which a test renders `unroll report`'s page.
# Safe to run again: installs only what is missing.
set -euo pipefail
packages=()
if ! { [ -e /usr/include/x86_64-linux-gnu/cblas.h ] || [ -e /usr/include/aarch64-linux-gnu/cblas.h ] ||
    [ -e /usr/include/cblas.h ]; } || ! ldconfig -p 2>/dev/null | grep -q libopenblas; then
    packages+=(libopenblas-dev)
fi
if [ "${1:-}" = "--for-tests" ]; then
    command -v chromium >/dev/null 2>&1 || packages+=(chromium)
fi
if [ "${1:-}" != "--no-mpi" ]; then
    command -v mpirun >/dev/null 2>&1 || packages+=(openmpi-bin)
    pkg-config --exists ompi-c 2>/dev/null || packages+=(libopenmpi-dev pkgconf)
fi
[ ${#packages[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing ${packages[*]} (apt-get)…"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${packages[@]}" >/dev/null
