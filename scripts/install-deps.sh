#!/usr/bin/env bash
# Installs every system package matchmaker needs to build, test and benchmark (Debian 12 "bookworm").
# Idempotent; run as root. Nothing is installed anywhere else: no network is used at run time.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git python3
  libcli11-dev          # command line
  nlohmann-json3-dev    # config, metrics JSON, API bodies
  libsimdjson-dev       # fast JSONL reading
  libsqlite3-dev libsqlitecpp-dev   # workspace
  libutf8proc-dev       # Unicode normalisation
  libserd-dev           # N-Triples reading (knowledge graphs)
  libxgboost-dev xgboost            # student model (C API)
  libspdlog-dev libfmt-dev          # logging, formatting (g++ 12 has no <format>)
  libcpp-httplib-dev libssl-dev     # HTTP client (LLM endpoints) and the replay server
  libgtest-dev libgmock-dev         # unit tests
  libbenchmark-dev                  # micro benchmarks
  libjs-chart.js                    # charts inlined into the HTML report (matchmaker report)
)

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages (${missing[*]}); run this script as root" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
