#!/usr/bin/env bash
# Installs dependencies, builds with warnings as errors, and runs the unit and end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh -DMATCHMAKER_WERROR=ON "$@"
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure --timeout 600 -j "$(nproc)"
