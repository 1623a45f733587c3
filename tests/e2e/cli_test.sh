#!/usr/bin/env bash
# End-to-end tests of the matchmaker command line: exit codes, messages, files written, and quality
# on the bundled example. Run by ctest with MATCHMAKER_BIN and EXAMPLES_DIR set.
set -u
bin=${MATCHMAKER_BIN:?MATCHMAKER_BIN must name the matchmaker binary}
examples=${EXAMPLES_DIR:?EXAMPLES_DIR must name the examples folder}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"



# --- help ---------------------------------------------------------------------------------------
run --help
check "--help exits 0 and names the match command" '[ $status -eq 0 ] && grep -q "match" "$work/log"'
run match --help
check "match --help shows defaults" '[ $status -eq 0 ] && grep -q "teacher-budget FLOAT=0.1" "$work/log" && grep -q "top-k INT=10" "$work/log"'
run --version
check "--version exits 0" '[ $status -eq 0 ]'

# --- linkage on the bundled example -------------------------------------------------------------
left="$examples/products/left.csv"; right="$examples/products/right.csv"; gold="$examples/products/gold.csv"
run match --left "$left" --right "$right" --id id --out "$work/matches.csv" --gold "$gold" --metrics "$work/metrics.json" --threads 2
check "linkage exits 0" '[ $status -eq 0 ]'
check "matches.csv starts with left_id,right_id,score, then route and explanation" '[ "$(head -n 1 "$work/matches.csv")" = "left_id,right_id,score,route,explanation" ]'
check "matches.csv has matches" '[ "$(wc -l < "$work/matches.csv")" -gt 100 ]'
f1=$(json_value "$work/metrics.json" quality.f1 2>/dev/null || echo 0)
check "linkage F1 on the bundled example >= 0.75 (got $f1)" 'at_least "$f1" 0.75'
check "metrics hold pair completeness, teacher calls, stage times and peak memory" \
  'json_value "$work/metrics.json" quality.pair_completeness >/dev/null && json_value "$work/metrics.json" teacher.calls >/dev/null && json_value "$work/metrics.json" seconds.candidates >/dev/null && json_value "$work/metrics.json" peak_memory_mib >/dev/null'
check "no temporary files are left next to the outputs" '[ -z "$(ls "$work" | grep tmp-)" ]'
# A split's labelled gold (ltable_id,rtable_id,label, as Magellan's test.csv): the label-0 rows were read
# as matches. Here half the gold pairs labelled 1, and every gold pair's left with another right
# record labelled 0: the label-1 rows are the gold, and the labelled-pairs score counts only them.
awk -F, 'NR == 1 { print "ltable_id,rtable_id,label"; next }
         NR % 2 == 0 { print $1 "," $2 ",1" }
         NR % 2 == 1 { print $1 ",R" sprintf("%04d", (substr($2, 2) + 1) % 300 + 1) ",0" }' "$gold" > "$work/split.csv"
run match --left "$left" --right "$right" --out "$work/split_matches.csv" --gold "$work/split.csv" --metrics "$work/split.json" --threads 2
labelled_f1=$(json_value "$work/split.json" quality.labelled_pairs.f1 2>/dev/null || echo 0)
check "a labelled gold file: gold is its 110 label-1 rows, and the labelled-pairs F1 is reported (got $labelled_f1)" \
  '[ $status -eq 0 ] && [ "$(json_value "$work/split.json" quality.gold_pairs)" = 110 ] &&
   [ "$(json_value "$work/split.json" quality.labelled_pairs.pairs)" -ge 215 ] && at_least "$labelled_f1" 0.8'

# Started with standard error closed (`2>&-`): the log went into the matches file, which the run opened
# first and got descriptor 2.
"$bin" match --left "$left" --right "$right" --out "$work/closed_err.csv" --threads 2 2>&-
closed_status=$?
check "with stderr closed the matches file holds matches, not the log (exit $closed_status)" \
  '[ $closed_status -eq 0 ] && [ "$(head -n 1 "$work/closed_err.csv")" = "left_id,right_id,score,route,explanation" ]'
# --out - writes to standard output (it wrote a file named "-").
(cd "$work" && "$bin" match --left "$left" --right "$right" --out - --threads 2 >stdout.csv 2>/dev/null)
dash_status=$?
check "--out - writes the matches to stdout (exit $dash_status)" \
  '[ $dash_status -eq 0 ] && [ "$(head -n 1 "$work/stdout.csv")" = "left_id,right_id,score,route,explanation" ] &&
   [ "$(wc -l < "$work/stdout.csv")" -gt 100 ] && [ ! -e "$work/-" ]'
# --out - appends to what standard output already is (it replaced the file: the line before was lost).
(cd "$work" && echo KEEP > appended.csv && "$bin" match --left "$left" --right "$right" --out - --threads 2 >>appended.csv 2>/dev/null)
check "--out - >> FILE keeps what the file held" \
  '[ "$(head -n 1 "$work/appended.csv")" = KEEP ] && [ "$(sed -n 2p "$work/appended.csv")" = "left_id,right_id,score,route,explanation" ]'
# Descriptors: one open for reading only failed after all the work (exit 1, "disk full?"); a process
# substitution (an inherited /dev/fd/N) takes the matches.
echo data > "$work/read_only.txt"
"$bin" match --left "$left" --right "$right" --out /dev/fd/6 --threads 2 6<"$work/read_only.txt" 2>"$work/log"
read_only_status=$?
check "--out a descriptor open for reading only: exit 2 ($read_only_status)" '[ $read_only_status -eq 2 ] && grep -q "not open for writing" "$work/log"'
"$bin" match --left "$left" --right "$right" --out >(wc -l > "$work/substituted.txt") --threads 2 2>/dev/null
substitution_status=$?
sleep 1
check "--out >(command) gets the matches ($substitution_status)" '[ $substitution_status -eq 0 ] && [ "$(cat "$work/substituted.txt")" -gt 100 ]'
# An LLM teacher's default workspace goes next to --out: not next to standard output (it made
# "-.workspace.db", and /dev/stdout.workspace.db in /dev).
OPENAI_API_KEY=test OPENAI_BASE_URL=http://127.0.0.1:9/v1 run match --left "$left" --right "$right" --out - --teacher openai:some-model
check "--out - with an LLM teacher and no --workspace: exit 2 ($status)" '[ $status -eq 2 ] && grep -q "give --workspace" "$work/log" && [ ! -e "$work/-.workspace.db" ]'
# A replayed recording is an input: --metrics over it replaced the recorded LLM answers.
echo '{"responses": []}' > "$work/recording.json"
run match --left "$left" --right "$right" --out "$work/rec_out.csv" --teacher "replay:$work/recording.json" --metrics "$work/recording.json"
check "--metrics over the replay: recording: exit 2, and the recording is untouched ($status)" \
  '[ $status -eq 2 ] && grep -q "is an input of this run" "$work/log" && [ "$(cat "$work/recording.json")" = "{\"responses\": []}" ]'

# The log's reader goes away (`| head -1`): the run dies of SIGPIPE at its next log line, and its
# temporary output went with it (it was left behind as m.csv.tmp-PID).
mkdir -p "$work/piped"
"$bin" match --left "$left" --right "$right" --out "$work/piped/m.csv" --threads 2 2>&1 | head -1 >/dev/null
piped_status=${PIPESTATUS[0]}
check "a run killed by SIGPIPE leaves no output and no temporary file (exit $piped_status)" \
  '[ $piped_status -eq 141 ] && [ -z "$(ls "$work/piped")" ]'

# The automatic threshold: 0.25 after a sample across the score range, Otsu's valley (at most 0.5)
# after Blocking-Max (the default).
run match --left "$left" --right "$right" --out "$work/matches_random.csv" --selection random --metrics "$work/random.json"
check "auto threshold is 0.25 with a sample across the score range" \
  '[ $status -eq 0 ] && [ "$(json_value "$work/random.json" threshold)" = 0.25 ]'
check "the default selection with the unsupervised teacher is blocking-max" \
  '[ "$(json_value "$work/metrics.json" config.selection)" = blocking-max ]'
check "auto threshold is at most 0.5 and not 0.25 after Blocking-Max" \
  'python3 -c "import json,sys; t=json.load(open(sys.argv[1]))[\"threshold\"]; sys.exit(0 if t <= 0.5 and t != 0.25 else 1)" "$work/metrics.json"'

# The same matches whatever the number of threads.
run match --left "$left" --right "$right" --out "$work/matches_1thread.csv" --threads 1
check "one thread gives the same matches as two" 'cmp -s "$work/matches.csv" "$work/matches_1thread.csv"'

# The candidate search's common-term cut: no term of the example is held by 1,000 records, so the
# default search is already exhaustive there and 0 (search every term) gives the same matches.
run match --left "$left" --right "$right" --out "$work/matches_exhaustive.csv" --threads 2 --common-term-rows 0 \
  --metrics "$work/exhaustive.json"
check "--common-term-rows 0 gives the same matches as the default on a small table" \
  '[ $status -eq 0 ] && cmp -s "$work/matches.csv" "$work/matches_exhaustive.csv" && [ "$(json_value "$work/exhaustive.json" config.common_term_rows)" = 0 ]'
run match --left "$left" --right "$right" --out "$work/matches_cut1.csv" --common-term-rows 1 --metrics "$work/cut1.json"
check "--common-term-rows 1 searches only each record's rarest terms: fewer candidate pairs" \
  '[ $status -eq 0 ] && [ "$(json_value "$work/cut1.json" candidates.pairs)" -lt "$(json_value "$work/metrics.json" candidates.pairs)" ]'

# --dry-run with the built-in teacher: the plan (its sample, nothing to pay) and nothing else.
run match --left "$left" --right "$right" --out "$work/matches_dry.csv" --metrics "$work/dry.json" --dry-run
check "--dry-run plans the built-in teacher's sample (30 of 300 queries, nothing to pay), writes no matches" \
  '[ $status -eq 0 ] && [ ! -e "$work/matches_dry.csv" ] && [ "$(json_value "$work/dry.json" plan.sample_questions)" = 30 ] &&
   grep -q "plan: no paid teacher: nothing to pay" "$work/log"'

# TSV and JSONL inputs give the same matches as the CSV they were made from.
python3 - "$left" "$right" "$work" <<'PY'
import csv, json, sys
for name, path in (("left", sys.argv[1]), ("right", sys.argv[2])):
    rows = list(csv.DictReader(open(path, newline="", encoding="utf-8")))
    with open(f"{sys.argv[3]}/{name}.jsonl", "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    with open(f"{sys.argv[3]}/{name}.tsv", "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter="\t", lineterminator="\n")
        writer.writeheader(); writer.writerows(rows)
PY
run match --left "$work/left.jsonl" --right "$work/right.jsonl" --out "$work/matches_jsonl.csv" --threads 2
check "JSONL input gives the same matches as CSV" '[ $status -eq 0 ] && cmp -s "$work/matches.csv" "$work/matches_jsonl.csv"'
run match --left "$work/left.tsv" --right "$work/right.tsv" --out "$work/matches_tsv.csv" --threads 2
check "TSV input gives the same matches as CSV" '[ $status -eq 0 ] && cmp -s "$work/matches.csv" "$work/matches_tsv.csv"'

# A table linked to an exact copy of itself: every record to its copy. Identical records were left
# unmatched (8 of 300) where float cosines landed a hair below or above 1 and the trees split there.
cp "$left" "$work/left_copy.csv"
run match --left "$left" --right "$work/left_copy.csv" --out "$work/copy.csv" --threads 2
check "a table against its exact copy: all 300 records matched to themselves" \
  '[ $status -eq 0 ] && [ "$(awk -F, "NR > 1 && \$1 == \$2" "$work/copy.csv" | wc -l)" = 300 ] && [ "$(wc -l < "$work/copy.csv")" = 301 ]'
# Without a teacher a given threshold holds (it was ignored: all mutual best pairs were written).
run match --left "$left" --right "$right" --out "$work/none_cut.csv" --teacher none --threshold 0.5
check "--teacher none keeps --threshold 0.5" \
  '[ $status -eq 0 ] && [ "$(awk -F, "NR > 1 && \$3 < 0.5" "$work/none_cut.csv" | wc -l)" = 0 ] && [ "$(wc -l < "$work/none_cut.csv")" -gt 50 ]'
# ... and its rows say that no student decided them (they said "student").
check "--teacher none: every row's route is candidate-score" \
  '[ "$(awk -F, "NR > 1 && \$4 != \"candidate-score\"" "$work/none_cut.csv" | wc -l)" = 0 ]'

# Escalating to a perfect (simulated) teacher: its answers on the least certain queries, mostly
# "none", were learnt as they came and sank every other query (pair F1 0.78 -> 0.23).
run match --left "$left" --right "$right" --out "$work/escalated.csv" --gold "$gold" --replay-gold "$gold" \
  --escalate-teacher simulated:0 --escalate-share 0.1 --metrics "$work/escalated.json"
escalated_f1=$(json_value "$work/escalated.json" quality.f1 2>/dev/null || echo 0)
check "escalating 10% to a perfect simulated teacher keeps pair F1 >= 0.75 (got $escalated_f1)" \
  '[ $status -eq 0 ] && at_least "$escalated_f1" 0.75'

# --- deduplication ------------------------------------------------------------------------------
run match --left "$examples/products/dedup.csv" --out "$work/dedup.csv" --gold "$examples/products/dedup_gold.csv" --metrics "$work/dedup_metrics.json"
check "deduplication exits 0 with a cluster column" '[ $status -eq 0 ] && [ "$(head -n 1 "$work/dedup.csv")" = "left_id,right_id,score,cluster,route,explanation" ]'
dedup_f1=$(json_value "$work/dedup_metrics.json" quality.f1 2>/dev/null || echo 0)
check "deduplication F1 >= 0.45 (got $dedup_f1)" 'at_least "$dedup_f1" 0.45'
# A low cut chains records into clusters of three and more, whose pairs are not all candidate pairs:
# the run failed with exit 1 at the end ("a match that is no candidate pair"). Each such pair is
# written with a note saying how it was joined, and `explain` says so too.
run match --left "$examples/products/dedup.csv" --out "$work/dedup_low.csv" --threshold 0.05 --workspace "$work/dedup_low.db"
joined=$(grep -c ",cluster,cluster: joined through other records of its cluster" "$work/dedup_low.csv")
check "clusters of 3+ records: exits 0, pairs joined through the cluster noted ($status, $joined)" '[ $status -eq 0 ] && [ "$joined" -gt 0 ]'
joined_pair=$(grep -m1 ",cluster,cluster:" "$work/dedup_low.csv" | cut -d, -f1,2)
run explain --workspace "$work/dedup_low.db" "${joined_pair%,*}" "${joined_pair#*,}"
check "explain names the cluster as what joined such a pair" '[ $status -eq 0 ] && grep -q "Decided by: their cluster" "$work/log"'

# Records listed several times under new ids: the teacher chose one copy, and the others were learnt
# as non-matches, so most copies stayed apart (389 of 1,500 copy pairs clustered on such a table) or
# chained unrelated records into one cluster. Every copy now lands in its record's cluster.
python3 - "$examples/products/dedup.csv" "$work/copies.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))
with open(sys.argv[2], 'w', newline='', encoding='utf-8') as out:
    writer = csv.writer(out)
    writer.writerow(rows[0])
    for row in rows[1:]:
        writer.writerow(row)
    for copy in range(3):
        for row in rows[1:41]:
            writer.writerow([f"{row[0]}-copy{copy}"] + row[1:])
PY
run match --left "$work/copies.csv" --out "$work/copies_out.csv"
together=$(python3 - "$work/copies_out.csv" <<'PY'
import csv, sys
cluster = {}
for row in csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')):
    cluster[row['left_id']] = row['cluster']
    cluster[row['right_id']] = row['cluster']
ids = {key.split('-copy')[0] for key in cluster if '-copy' in key}
print(sum(1 for base in ids if len({cluster.get(base)} | {cluster.get(f"{base}-copy{c}") for c in range(3)}) == 1 and cluster.get(base)))
PY
)
check "records listed four times: every copy clustered with its record (got $together of 40)" '[ $status -eq 0 ] && [ "$together" -eq 40 ]'

# Tables with no word or 3-gram in common: no candidate pair, so nothing to ask and nothing to match.
# It failed with exit 1 ("the teacher's answers (0 of 0 queries answered) hold no match").
printf 'id,name\n1,abc\n2,abd\n' > "$work/nothing_left.csv"
printf 'id,name\n7,xyz\n' > "$work/nothing_right.csv"
run match --left "$work/nothing_left.csv" --right "$work/nothing_right.csv" --out "$work/nothing.csv"
check "tables with nothing in common: exit 0, no matches, the reason logged ($status)" \
  '[ $status -eq 0 ] && [ "$(cat "$work/nothing.csv")" = "left_id,right_id,score,route,explanation" ] && grep -q "no candidate pairs" "$work/log"'

# --- bad input: exit 2, one line naming the problem, no output file -----------------------------
expect_bad_input() {  # description, expected text in the message, matchmaker args...
  local description=$1 expected=$2; shift 2
  rm -f "$work/bad_out.csv"
  run --quiet "$@"
  local lines; lines=$(wc -l < "$work/log")
  if [ $status -eq 2 ] && [ "$lines" -eq 1 ] && grep -q -- "$expected" "$work/log" && [ ! -e "$work/bad_out.csv" ] &&
     [ -z "$(ls "$work" | grep 'bad_out.csv.tmp')" ]; then
    pass "$description"
  else
    fail "$description (status $status, $lines lines: $(head -c 300 "$work/log"))"
  fi
}
printf 'id,name\n1,a\n' > "$work/ok.csv"
printf 'key,name\n1,a\n' > "$work/no_id.csv"
printf 'id,name\n1,a\n2,b\n1,c\n' > "$work/dup_id.csv"
printf 'id,name\n1,a\n2,b,extra\n' > "$work/ragged.csv"
printf 'id,name\n1,caf\xe9\n' > "$work/latin1.csv"
printf 'id,name\n' > "$work/header_only.csv"
: > "$work/empty.csv"
printf 'id,name\n1,"unterminated\n' > "$work/open_quote.csv"

expect_bad_input "missing file" "does_not_exist.csv" match --left "$work/does_not_exist.csv" --right "$work/ok.csv" --out "$work/bad_out.csv"
expect_bad_input "missing id column" "no_id.csv:1" match --left "$work/no_id.csv" --right "$work/ok.csv" --out "$work/bad_out.csv"
expect_bad_input "duplicate id" "dup_id.csv:4" match --left "$work/dup_id.csv" --right "$work/ok.csv" --out "$work/bad_out.csv"
expect_bad_input "ragged row" "ragged.csv:3" match --left "$work/ok.csv" --right "$work/ragged.csv" --out "$work/bad_out.csv"
expect_bad_input "invalid UTF-8" "latin1.csv:2" match --left "$work/latin1.csv" --right "$work/ok.csv" --out "$work/bad_out.csv"
expect_bad_input "header without records" "header_only.csv" match --left "$work/header_only.csv" --right "$work/ok.csv" --out "$work/bad_out.csv"
expect_bad_input "empty file" "empty.csv" match --left "$work/empty.csv" --right "$work/ok.csv" --out "$work/bad_out.csv"
expect_bad_input "unterminated quote" "open_quote.csv:2" match --left "$work/open_quote.csv" --right "$work/ok.csv" --out "$work/bad_out.csv"
expect_bad_input "unknown teacher" "valid teachers" match --left "$left" --right "$right" --out "$work/bad_out.csv" --teacher gpt
expect_bad_input "unknown option" "--frobnicate" match --left "$left" --right "$right" --out "$work/bad_out.csv" --frobnicate
expect_bad_input "missing --out" "--out" match --left "$left" --right "$right"
expect_bad_input "negative --progress-seconds" "--progress-seconds" match --left "$left" --right "$right" --out "$work/bad_out.csv" --progress-seconds -1
expect_bad_input "negative --common-term-rows" "--common-term-rows" match --left "$left" --right "$right" --out "$work/bad_out.csv" --common-term-rows -5
expect_bad_input "connected components of two tables" "clusters the records of one table" match --left "$left" --right "$right" --out "$work/bad_out.csv" --resolve connected-components
cp "$work/ok.csv" "$work/ok_copy.csv"
expect_bad_input "--out naming the left table (it replaced it)" "is an input of this run" match --left "$work/ok_copy.csv" --right "$right" --out "$work/ok_copy.csv"
check "... which is left as it was" 'cmp -s "$work/ok.csv" "$work/ok_copy.csv"'
cp "$gold" "$work/gold_copy.csv"
expect_bad_input "--out naming the --replay-gold file (it replaced it)" "is an input of this run" match --left "$left" --right "$right" --out "$work/gold_copy.csv" --teacher simulated:0.1 --replay-gold "$work/gold_copy.csv"
check "... which is left as it was" 'cmp -s "$gold" "$work/gold_copy.csv"'
expect_bad_input "--teacher-budget nan" "--teacher-budget must be" match --left "$left" --right "$right" --out "$work/bad_out.csv" --teacher-budget nan
expect_bad_input "--teacher-max-calls -1" "must not be negative" match --left "$left" --right "$right" --out "$work/bad_out.csv" --teacher-max-calls -1
expect_bad_input "escalating to the built-in teacher (5% of queries took F1 from 0.78 to 0.41)" "escalation needs an LLM teacher" match --left "$left" --right "$right" --out "$work/bad_out.csv" --escalate-share 0.05
expect_bad_input "an empty --delimiter (taken for none)" "--delimiter must be one character" match --left "$left" --right "$right" --out "$work/bad_out.csv" --delimiter ''
expect_bad_input "--delimiter with JSONL (ignored)" "this is JSONL" match --left "$work/left.jsonl" --right "$work/right.jsonl" --out "$work/bad_out.csv" --delimiter ';'
: > "$work/no_queries.txt"
expect_bad_input "an empty --eval-queries file (scored 0 over 0 queries)" "holds no query id" match --left "$left" --right "$right" --out "$work/bad_out.csv" --gold "$gold" --eval-queries "$work/no_queries.txt"
expect_bad_input "--metrics naming the --out file" "name the same file" match --left "$left" --right "$right" --out "$work/bad_out.csv" --metrics "$work/bad_out.csv"
# Without a key the OpenAI endpoint refuses every call; found before blocking, not after the retries.
unset OPENAI_API_KEY OPENAI_BASE_URL
expect_bad_input "openai: without OPENAI_API_KEY" "OPENAI_API_KEY is not set" match --left "$left" --right "$right" --out "$work/bad_out.csv" --teacher openai:gpt-x
expect_bad_input "--out is a directory" "is a directory" match --left "$left" --right "$right" --out "$work"
expect_bad_input "--teacher-budget 0" "nothing to learn from" match --left "$left" --right "$right" --out "$work/bad_out.csv" --teacher-budget 0
expect_bad_input "gold id not in the tables" "not in" match --left "$left" --right "$right" --out "$work/bad_out.csv" --gold "$work/dup_id.csv"

# A run that stops on bad input is marked failed in its workspace, with the reason.
run match --left "$work/open_quote.csv" --right "$work/ok.csv" --out "$work/bad_out.csv" --workspace "$work/failed.mm"
check "a failed run is recorded as failed, with its reason" '[ $status -eq 2 ] && python3 -c "
import sqlite3, sys
status, error = sqlite3.connect(sys.argv[1]).execute(\"SELECT status, error FROM runs\").fetchone()
sys.exit(0 if status == \"failed\" and \"open_quote.csv:2\" in error else 1)" "$work/failed.mm"'

# A failed run does not clobber an earlier good output.
cp "$work/matches.csv" "$work/keep.csv"
run match --left "$work/ragged.csv" --right "$right" --out "$work/keep.csv"
check "a failed run leaves an existing output untouched" '[ $status -eq 2 ] && cmp -s "$work/matches.csv" "$work/keep.csv"'

finish
