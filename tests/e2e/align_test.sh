#!/usr/bin/env bash
# End-to-end test of `matchmaker align` on the small generated graph pair in tests/data/ea (DBP15K
# layout, 40 entities per side, names that differ in case and language-ish suffix): output contract,
# quality, and exit status 2 with file and line for bad input.
set -u
source "$(dirname "$0")/lib.sh"
bin="${MATCHMAKER_BIN:?}"
data="${TEST_DATA_DIR:?}/ea"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! "$bin" --help 2>/dev/null | grep -qE "^ +align( |$)"; then
  echo "SKIP: this matchmaker has no align subcommand yet"
  exit 77
fi

"$bin" align --kg1 "$data" --kg2 "$data" --seed-share 0.3 --teacher none --out "$work/alignment.csv" \
  --metrics "$work/metrics.json" 2>"$work/log"
check "align with 30% seeds exits 0" "[ $? -eq 0 ]"
check "output has the contract header" "[ \"\$(head -1 '$work/alignment.csv')\" = 'left_id,right_id,rank,score,one_to_one' ]"
check "every test entity is aligned once" "[ \$(grep -c ',1\$' '$work/alignment.csv') -ge 25 ]"
hits=$(python3 -c "import json; print(json.load(open('$work/metrics.json'))['quality']['hits_at_1'])")
check "Hits@1 >= 0.9 (got $hits)" "python3 -c 'import sys; sys.exit(0 if $hits >= 0.9 else 1)'"

"$bin" align --kg1 "$data" --kg2 "$data" --teacher simulated:0 --teacher-budget 0.1 --escalate-share 0.1 \
  --out "$work/seed_free.csv" --metrics "$work/seed_free.json" 2>"$work/log"
check "seed-free with the simulated teacher exits 0" "[ $? -eq 0 ]"

mkdir "$work/bad"
cp "$data"/* "$work/bad/"
printf '0\t1\n' >> "$work/bad/triples_1"
"$bin" align --kg1 "$work/bad" --kg2 "$work/bad" --out "$work/bad.csv" 2>"$work/err"
status=$?
check "a triple with two fields exits 2" "[ $status -eq 2 ]"
check "the message names file and line" "grep -q 'triples_1:[0-9]*: expected 3 tab-separated fields' '$work/err'"
check "no output is left behind" "[ ! -e '$work/bad.csv' ]"

"$bin" align --kg1 "$work/missing" --kg2 "$data" --out "$work/x.csv" 2>"$work/err"
check "a missing graph exits 2" "[ $? -eq 2 ]"
finish
