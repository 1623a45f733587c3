#!/usr/bin/env bash
# End-to-end tests of `matchmaker link` on the shipped dictionary and mentions (tests/data/el): exit
# codes and messages for bad input, the output contract, known answers, composite mentions, and
# Acc@1/Acc@5 in the metrics. Run by ctest with MATCHMAKER_BIN and TEST_DATA_DIR set.
set -u
bin=${MATCHMAKER_BIN:?MATCHMAKER_BIN must name the matchmaker binary}
data=${TEST_DATA_DIR:?TEST_DATA_DIR must name tests/data}/el
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The concept ranked first for a mention id: top1 FILE MENTION_ID
top1() { awk -F, -v id="$2" '$1 == id && $3 == 1 { print $2 }' "$1"; }

run link --help
check "link --help exits 0 and names its options" '[ $status -eq 0 ] && grep -q -- "--dictionary" "$work/log" && grep -q -- "--train-mentions" "$work/log"'

# --- bad input: exit 2, one line naming file and line ----------------------------------------------
printf 'D1||one\nD2 two\n' > "$work/bad.txt"
run link --mentions "$data/mentions.concept" --dictionary "$work/bad.txt" --out "$work/x.csv"
check "malformed dictionary exits 2 naming file:line" '[ $status -eq 2 ] && grep -q "bad.txt:2: expected ID||NAME" "$work/log" && [ ! -e "$work/x.csv" ]'
printf '1||0|3||T||abc\n' > "$work/bad.concept"
run link --mentions "$work/bad.concept" --dictionary "$data/dictionary.txt" --out "$work/x.csv"
check "malformed mentions exit 2 naming file:line" '[ $status -eq 2 ] && grep -q "bad.concept:1: expected 5 fields" "$work/log"'
run link --mentions "$work/none.concept" --dictionary "$data/dictionary.txt" --out "$work/x.csv"
check "missing mentions file exits 2" '[ $status -eq 2 ] && grep -q "no such file" "$work/log"'
run link --mentions "$data/mentions.concept" --dictionary "$data/dictionary.txt" --out "$work/x.csv" --teacher "majority:unsupervised|simulated:0.1"
check "the built-in unsupervised teacher, even in a vote, exits 2" '[ $status -eq 2 ] && grep -q "works in match only" "$work/log" && [ ! -e "$work/x.csv" ]'
run link --mentions "$data/mentions.concept" --dictionary "$data/dictionary.txt" --out "$work/x.csv" --teacher simulated:0.1
check "simulated teacher without gold exits 2" '[ $status -eq 2 ] && grep -q "give --gold" "$work/log"'
run link --mentions "$data/mentions.concept" --dictionary "$data/dictionary.txt" --out "$work/x.csv" --reranker magic
check "unknown reranker exits 2" '[ $status -eq 2 ] && grep -q "reranker must be" "$work/log"'
run link --mentions "$data/mentions.concept" --dictionary "$data/dictionary.txt" --out "$work/x.csv" --dry-run
check "--dry-run without a teacher exits 2 (nothing to plan)" '[ $status -eq 2 ] && grep -q "dry-run plans the teacher" "$work/log" && [ ! -e "$work/x.csv" ]'

# --- retriever alone on the BioSyn layout -----------------------------------------------------------
run link --mentions "$data/mentions.concept" --dictionary "$data/dictionary.txt" --out "$work/retriever.csv" \
    --reranker none --gold "$data/mentions.concept" --metrics "$work/retriever.json" --threads 2
check "retriever run exits 0" '[ $status -eq 0 ]'
check "output header is left_id,right_id,rank,score" '[ "$(head -1 "$work/retriever.csv")" = "left_id,right_id,rank,score" ]'
check "at most 5 rows per mention part, ranks 1.." '[ "$(awk -F, "NR > 1 { n[\$1]++ } END { m = 0; for (k in n) if (n[k] > m) m = n[k]; print m }" "$work/retriever.csv")" -le 5 ]'
check "known answer: ataxia telangiectasia" '[ "$(top1 "$work/retriever.csv" 100:0-21)" = D001260 ]'
check "known answer: haemochromatosis -> the concept with alternative ids" '[ "$(top1 "$work/retriever.csv" 102:0-20)" = "D006432|235200" ]'
check "composite a|b: both parts linked" '[ "$(top1 "$work/retriever.csv" "101:40-70#1")" = D001943 ] && [ "$(top1 "$work/retriever.csv" "101:40-70#2")" = D010051 ]'
check "composite a+b: both parts linked" '[ "$(top1 "$work/retriever.csv" "101:80-110#1")" = D001943 ] && [ "$(top1 "$work/retriever.csv" "101:80-110#2")" = D010051 ]'
check "metrics count 9 mentions in 11 parts" '[ "$(json_value "$work/retriever.json" quality.mentions)" = 9 ] && [ "$(json_value "$work/retriever.json" quality.parts)" = 11 ]'
check "retriever Acc@5 is 1 on the shipped mentions" 'at_least "$(json_value "$work/retriever.json" quality.acc_at_5)" 1'

# --- self-supervised re-ranker, then with a simulated teacher -------------------------------------
run link --mentions "$data/mentions.concept" --dictionary "$data/dictionary.txt" --out "$work/linked.csv" \
    --gold "$data/mentions.concept" --metrics "$work/linked.json" --threads 2
check "self-supervised run exits 0" '[ $status -eq 0 ]'
check "self-supervised Acc@1 >= 0.8 on the shipped mentions" 'at_least "$(json_value "$work/linked.json" quality.acc_at_1)" 0.8'
check "mode is named label-free" 'grep -q "\"mode\": \"label-free (dictionary self-supervision)\"" "$work/linked.json"'
run link --mentions "$data/mentions.concept" --dictionary "$data/dictionary.txt" --out "$work/taught.csv" \
    --gold "$data/mentions.concept" --metrics "$work/taught.json" --teacher simulated:0 --teacher-budget 0.5 --threads 2
check "simulated teacher run exits 0 and is named so" '[ $status -eq 0 ] && grep -q "simulated:0" "$work/taught.json"'
check "link metrics: stage seconds, wall time and memory as match writes them" \
  'json_value "$work/taught.json" seconds.candidates >/dev/null && json_value "$work/taught.json" seconds_total >/dev/null && json_value "$work/taught.json" peak_memory_mib >/dev/null'

# --- table mentions with context (abbreviations), gold as CSV, a TSV dictionary ---------------------
run link --mentions "$data/mentions.csv" --dictionary "$data/dictionary.txt" --out "$work/context.csv" \
    --reranker none --gold "$data/gold.csv" --metrics "$work/context.json"
check "table mentions exit 0" '[ $status -eq 0 ]'
check "DMD defined in context and in the dictionary" '[ "$(top1 "$work/context.csv" m1)" = D020388 ]'
check "HCA defined in context" '[ "$(top1 "$work/context.csv" m2)" = D008107 ]'
check "CSV gold: Acc@1 is 1" 'at_least "$(json_value "$work/context.json" quality.acc_at_1)" 1'
run link --mentions "$data/fold.test.txt" --dictionary "$data/concepts.json" --out "$work/aap.csv" --reranker none
check "AskAPatient fold and concept list exit 0" '[ $status -eq 0 ] && [ "$(top1 "$work/aap.csv" 1)" = 1036 ]'

# --- outputs never replace inputs; repeated mentions are decided once; one name per concept --------
cp "$data/mentions.concept" "$work/mine.concept"
run link --mentions "$work/mine.concept" --dictionary "$data/dictionary.txt" --out "$work/x.csv" \
    --gold "$work/mine.concept" --metrics "$work/mine.concept"
check "--metrics naming an input exits 2 and leaves it whole" '[ $status -eq 2 ] && grep -q "is an input of this run" "$work/log" && cmp -s "$data/mentions.concept" "$work/mine.concept"'
run link --mentions "$data/mentions.concept" --dictionary "$data/dictionary.txt" --out "$work/same.csv" --workspace "$work/same.csv"
check "--workspace naming the --out file exits 2 (the matches replaced the workspace)" '[ $status -eq 2 ] && grep -q "name the same file" "$work/log"'
{ cat "$data/mentions.concept"; echo '103||0|21||Modifier||Ataxia-telangiectasia||D001260'; } > "$work/repeats.concept"
run link --mentions "$work/repeats.concept" --dictionary "$data/dictionary.txt" --out "$work/repeats.csv" \
    --gold "$work/repeats.concept" --metrics "$work/repeats.json" --threads 2
check "a repeated mention is one query with the same ranking" '[ $status -eq 0 ] && [ "$(json_value "$work/repeats.json" distinct_mentions)" = 11 ] && [ "$(grep "^100:0-21," "$work/repeats.csv" | cut -d, -f2-)" = "$(grep "^103:0-21," "$work/repeats.csv" | cut -d, -f2-)" ]'
run link --mentions "$data/fold.test.txt" --dictionary "$data/concepts.json" --out "$work/aap_linked.csv" --metrics "$work/aap.json"
check "one name per concept, nothing confident: the retriever's order stands" '[ $status -eq 0 ] && [ "$(json_value "$work/aap.json" self_training_mentions)" = 0 ] && [ "$(top1 "$work/aap_linked.csv" 1)" = 1036 ] && grep -q "ranking by retrieval" "$work/log"'

# --- LLM teachers: a workspace caches their answers and records the run -----------------------------
# batch: writes the requests and asks nothing (it called the live API: link had no export file).
run link --mentions "$data/mentions.concept" --dictionary "$data/dictionary.txt" --out "$work/batch.csv" --teacher batch:gpt-x
runs_of() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT group_concat(status) FROM runs').fetchone()[0])" "$1" 2>/dev/null || echo none; }
check "batch: requests written, nothing asked, no ranking yet, the run done in OUT.workspace.db" \
  '[ $status -eq 0 ] && [ "$(grep -c . "$work/batch.csv.batch.jsonl")" -ge 1 ] && [ ! -e "$work/batch.csv" ] &&
   [ "$(runs_of "$work/batch.csv.workspace.db")" = done ] && ! grep -q "calls to" "$work/log"'
run link --mentions "$data/mentions.concept" --dictionary "$data/dictionary.txt" --out "$work/recorded.csv" --workspace "$work/recorded.db"
run explain --workspace "$work/recorded.db" "100:0-21"
check "explain on a link run says it stores no decisions (exit 2)" '[ $status -eq 2 ] && grep -q "is a link run" "$work/log"'
# openai: had no workspace for its answers and was refused ("needs a workspace"); an endpoint that
# never answers now fails the run, recorded as failed with the reason (127.0.0.1:9 refuses at once).
OPENAI_BASE_URL=http://127.0.0.1:9/v1 OPENAI_API_KEY=k run link --mentions "$data/mentions.concept" \
  --dictionary "$data/dictionary.txt" --out "$work/live.csv" --teacher openai:gpt-x --teacher-retries 0
check "openai: the calls are made with a workspace; all failing ends the run with exit 1, recorded failed" \
  '[ $status -eq 1 ] && grep -q "calls to http://127.0.0.1:9/v1/chat/completions failed" "$work/log" &&
   [ "$(runs_of "$work/live.csv.workspace.db")" = failed ] && [ ! -e "$work/live.csv" ]'

finish
