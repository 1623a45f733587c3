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
# Every job writes its costs and teacher under the keys match uses (the HTML report reads them).
check "align metrics: stage seconds, wall time, memory and the teacher as match writes them" \
  'json_value "$work/seed_free.json" seconds.explain >/dev/null && json_value "$work/seed_free.json" seconds_total >/dev/null && json_value "$work/seed_free.json" peak_memory_mib >/dev/null && [ "$(json_value "$work/seed_free.json" teacher.spec)" = simulated:0 ] && json_value "$work/seed_free.json" teacher.report >/dev/null && json_value "$work/seed_free.json" routing.escalated >/dev/null'

# Explanations: the run is recorded in the workspace and `matchmaker explain` tells why an entity was
# aligned (student contributions, route, the teacher's answer where it saw the entity).
"$bin" align --kg1 "$data" --kg2 "$data" --seed-share 0.3 --teacher simulated:0 --teacher-budget 0.1 \
  --escalate-share 0.1 --workspace "$work/ws.db" --out "$work/explained.csv" 2>"$work/log"
check "align with a workspace exits 0" "[ $? -eq 0 ]"
entity=$(awk -F, 'NR > 1 && $5 == 1 { print $1; exit }' "$work/explained.csv")
partner=$(awk -F, -v e="$entity" 'NR > 1 && $1 == e && $5 == 1 { print $2; exit }' "$work/explained.csv")
"$bin" explain --workspace "$work/ws.db" "$entity" >"$work/explain.txt" 2>"$work/err"
check "explain of an aligned entity exits 0" "[ $? -eq 0 ]"
check "explain names the aligned pair as a match" "grep -q \"Query \\\"$entity\\\" and candidate \\\"$partner\\\": MATCH\" '$work/explain.txt'"
check "explain shows who decided" "grep -q 'Decided by:' '$work/explain.txt'"

# A seed-free dry run plans the teacher's anchor questions (10% of the 40 test entities here) and
# escalations, asks none (the anchor rounds are skipped) and writes only the plan.
"$bin" align --kg1 "$data" --kg2 "$data" --teacher simulated:0 --teacher-budget 0.1 --escalate-share 0.1 \
  --out "$work/dry.csv" --metrics "$work/dry.json" --dry-run 2>"$work/log"
check "a seed-free dry run exits 0 and writes no alignment" "[ $? -eq 0 ] && [ ! -e '$work/dry.csv' ]"
check "its plan: 4 sample and at most 4 escalation questions, nothing asked" \
  "[ \"\$(json_value '$work/dry.json' plan.sample_questions)\" = 4 ] && [ \"\$(json_value '$work/dry.json' plan.escalation.questions_max)\" = 4 ] && ! grep -q 'queries asked\|anchor round' '$work/log' && grep -q 'dry run: stopping before the first question' '$work/log'"

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

# An output naming a file of an input graph's folder is refused (it replaced the file).
mkdir "$work/graph"
cp "$data"/* "$work/graph/"
"$bin" align --kg1 "$work/graph" --kg2 "$work/graph" --seed-share 0.3 --teacher none --out "$work/graph/triples_1" 2>"$work/err"
check "--out naming a file of the input graph exits 2 and leaves it" "[ \$? -eq 2 ] && grep -q 'is an input of this run' '$work/err' && cmp -s '$data/triples_1' '$work/graph/triples_1'"

# A --metrics path that cannot be written fails before any work, with --out left as it was (it was
# replaced first, then the run failed).
echo OLD > "$work/keep.csv"
"$bin" align --kg1 "$data" --kg2 "$data" --seed-share 0.3 --teacher none --out "$work/keep.csv" --metrics "$work/no_dir/m.json" 2>"$work/err"
check "--metrics in a missing folder exits 2 and leaves --out as it was" "[ \$? -eq 2 ] && [ \"\$(cat '$work/keep.csv')\" = OLD ]"

# A workspace that cannot be used fails before the graphs are read and the model is built (it failed
# after them), and a run that then stops on bad input is marked failed in its workspace.
echo "not a database" > "$work/bad.db"
"$bin" align --kg1 "$data" --kg2 "$data" --seed-share 0.3 --teacher none --out "$work/keep.csv" --workspace "$work/bad.db" 2>"$work/err"
check "an unusable --workspace exits 2 before any work" "[ \$? -eq 2 ] && grep -q 'not a SQLite database' '$work/err' && ! grep -q 'structural model' '$work/err'"
mkdir "$work/broken"
cp "$data"/* "$work/broken/"
echo "not three fields" >> "$work/broken/triples_2"
"$bin" align --kg1 "$work/broken" --kg2 "$work/broken" --seed-share 0.3 --teacher none --out "$work/keep.csv" --workspace "$work/failed.db" 2>"$work/err"
check "bad input after the run began: exit 2 and the run marked failed" "[ \$? -eq 2 ] && python3 -c \"import sqlite3,sys; r=sqlite3.connect('$work/failed.db').execute('select status, error from runs').fetchall(); sys.exit(0 if r and r[0][0] == 'failed' and 'triples_2' in r[0][1] else 1)\""

# Every pair of the one-to-one alignment is in the file, also where it ranks below --top-k.
"$bin" align --kg1 "$data" --kg2 "$data" --seed-share 0.3 --teacher none --top-k 1 --out "$work/top1.csv" \
  --workspace "$work/top1.db" 2>"$work/err"
flagged=$(awk -F, 'NR > 1 && $5 == 1' "$work/top1.csv" | wc -l)
stored=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM matches').fetchone()[0])" "$work/top1.db")
check "--top-k 1: the file flags all $stored pairs of the alignment ($flagged)" "[ '$flagged' = '$stored' ] && [ '$stored' -gt 0 ]"

# Out-of-range options are bad input (--candidates -5 and 2^31 ended in exit 1 with a C++ exception;
# --name-weight nan ran as 0; the simulated teacher without gold failed late for want of a match).
for bad in "--candidates -5" "--candidates 2147483647" "--rounds 0" "--name-weight nan" "--seed -1"; do
  # shellcheck disable=SC2086
  "$bin" align --kg1 "$data" --kg2 "$data" --seed-share 0.3 --teacher none --out "$work/bad.csv" $bad 2>"$work/err"
  check "align $bad: exit 2" "[ \$? -eq 2 ] && [ ! -e '$work/bad.csv' ]"
done
mkdir "$work/no_gold"
cp "$data"/ent_ids_* "$data"/triples_* "$work/no_gold/"
"$bin" align --kg1 "$work/no_gold" --kg2 "$work/no_gold" --teacher simulated:0.1 --out "$work/bad.csv" 2>"$work/err"
check "the simulated teacher without gold links: exit 2 naming --gold" "[ \$? -eq 2 ] && grep -q 'give --gold' '$work/err'"

# batch: writes the requests and asks nothing (it called the live API: align had no export file).
"$bin" align --kg1 "$data" --kg2 "$data" --seed-share 0.3 --teacher batch:gpt-x --out "$work/batch.csv" 2>"$work/err"
check "batch: requests written, nothing asked, no alignment yet" "[ \$? -eq 0 ] && [ -s '$work/batch.csv.batch.jsonl' ] && [ ! -e '$work/batch.csv' ] && ! grep -q 'calls to' '$work/err'"

# The built-in teacher reads match's record features: refused at once (it failed with exit 1 after the work).
"$bin" align --kg1 "$data" --kg2 "$data" --seed-share 0.3 --teacher unsupervised --out "$work/x.csv" 2>"$work/err"
check "the built-in unsupervised teacher is refused with exit 2" "[ $? -eq 2 ] && grep -q 'works in match only' '$work/err' && [ ! -e '$work/x.csv' ]"
finish
