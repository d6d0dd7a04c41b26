#!/usr/bin/env bash
# First command for a newcomer: install what is missing, build, run the bundled NaAlCl4 example
# (NVT MD with the demo MTP at 300 K and streaming analysis; about a minute on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
./build/mdrun inputs/NaAlCl4/config.toml "$@"
