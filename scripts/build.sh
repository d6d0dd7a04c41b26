#!/usr/bin/env bash
# Configures and builds mdrun in ./build (Release). Extra arguments go to cmake, e.g. -DMDRUN_CUDA=OFF.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build build -j "$(nproc)"
