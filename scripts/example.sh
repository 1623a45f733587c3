#!/usr/bin/env bash
# Installs dependencies, builds, and links the bundled example tables with the built-in
# unsupervised teacher (no network, no LLM). Results go to out/example/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
mkdir -p out/example
build/matchmaker match \
  --left examples/products/left.csv --right examples/products/right.csv --id id \
  --out out/example/matches.csv \
  --gold examples/products/gold.csv --metrics out/example/metrics.json --workspace out/example/workspace.db
build/matchmaker report --workspace out/example/workspace.db --out out/example/report.html
echo "matches: out/example/matches.csv   metrics: out/example/metrics.json   report: out/example/report.html"
echo "why a decision was made: build/matchmaker explain --workspace out/example/workspace.db L0001"
