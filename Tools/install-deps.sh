#!/usr/bin/env bash
# Installs what Unroll needs from Debian's packages: OpenBLAS (CBLAS header + library).
# Safe to run again: does nothing when the header and library are already there.
set -euo pipefail
if [ -e /usr/include/x86_64-linux-gnu/cblas.h ] || [ -e /usr/include/aarch64-linux-gnu/cblas.h ] || [ -e /usr/include/cblas.h ]; then
    if ldconfig -p 2>/dev/null | grep -q libopenblas; then exit 0; fi
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing libopenblas-dev (apt-get)…"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libopenblas-dev >/dev/null
