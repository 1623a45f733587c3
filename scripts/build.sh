#!/usr/bin/env bash
# Configures and builds matchmaker with CMake + Ninja into build/ (or $BUILD_DIR).
# Extra CMake arguments are passed through, e.g. scripts/build.sh -DMATCHMAKER_SANITIZE=ON
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-Release} "$@" >/dev/null
cmake --build "$build_dir" --parallel "$(nproc)"
