#!/usr/bin/env bash
# End-to-end tests of `matchmaker report`: a self-contained HTML page for a run of a workspace and for
# a benchmark's routing sweep; bad input exits 2 and writes nothing. Run by ctest with MATCHMAKER_BIN
# and EXAMPLES_DIR set.
set -u
bin=${MATCHMAKER_BIN:?MATCHMAKER_BIN must name the matchmaker binary}
examples=${EXAMPLES_DIR:?EXAMPLES_DIR must name the examples folder}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Every chart's configuration in PAGE is valid JSON and nothing is fetched from elsewhere; prints the
# number of charts.
charts_in() {
  python3 - "$1" <<'PY'
import json, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
assert "<script src" not in page and "<link " not in page, "the page fetches something"
configs = re.findall(r"<script>new Chart\(document\.getElementById\('chart\d+'\), (.*?)\);</script>", page, flags=re.S)
for config in configs:
    json.loads(config)
print(len(configs))
PY
}

# --- a run of a workspace -----------------------------------------------------------------------
products="$examples/products"
run match --left "$products/left.csv" --right "$products/right.csv" --id id --out "$work/matches.csv" \
  --gold "$products/gold.csv" --metrics "$work/metrics.json" --workspace "$work/ws.mm" --threads 2
check "match with a workspace exits 0" '[ $status -eq 0 ]'
run report --workspace "$work/ws.mm" --out "$work/report.html"
check "report exits 0 and writes a page" '[ $status -eq 0 ] && head -c 15 "$work/report.html" | grep -q "<!DOCTYPE html>"'
charts=$(charts_in "$work/report.html" 2>&1)
check "the page has its charts, each a valid configuration, and Chart.js inlined (charts: $charts)" \
  '[ "$charts" -ge 3 ] 2>/dev/null && grep -q "Chart.js v3" "$work/report.html"'
# The page rounds to four significant digits.
f1=$(python3 -c 'import json, sys; print("%.4g" % json.load(open(sys.argv[1]))["quality"]["f1"])' "$work/metrics.json")
check "the page shows the run's quality (F1 $f1) and who decided" \
  'grep -q "<td>f1</td><td class=\"num\">${f1}<" "$work/report.html" && grep -q "Who decided each query" "$work/report.html"'
check "sample decisions carry their explanations" \
  'grep -q "<details><summary>" "$work/report.html" && grep -q "Decided by: the student model" "$work/report.html"'
run report --workspace "$work/ws.mm" --run 1 --samples 2 --out "$work/report_again.html"
check "--run picks the run and --samples 2 shows at most 2 decisions per group (5 groups)" \
  '[ $status -eq 0 ] && [ "$(grep -c "<details>" "$work/report_again.html")" -le 10 ] && grep -q "<details>" "$work/report_again.html"'

# A failed run is reported with its reason.
printf 'id,name\n1,"unterminated\n' > "$work/open_quote.csv"
run match --left "$work/open_quote.csv" --right "$products/right.csv" --out "$work/bad.csv" --workspace "$work/ws.mm"
run report --workspace "$work/ws.mm" --out "$work/failed.html"
check "a failed run's page says why it failed" '[ $status -eq 0 ] && grep -q "This run failed: .*open_quote.csv:2" "$work/failed.html"'

# --- a routing sweep ----------------------------------------------------------------------------
cat > "$work/sweep.json" <<'JSON'
{"benchmark": "er_distiller", "teacher": "replay qwen_32:qwen2_5_32b", "options": ["--selection", "uncertainty"],
 "seeds": [1], "sweep": {"D2": {"0": {"f1": 0.96, "query_accuracy": 0.95, "teacher_calls": 106},
                                "0.25": {"f1": 0.97, "query_accuracy": 0.96, "teacher_calls": 372}}}}
JSON
run report --sweep "$work/sweep.json" --out "$work/sweep.html"
charts=$(charts_in "$work/sweep.html" 2>&1)
check "a sweep gives a page with its two curves (charts: $charts)" '[ $status -eq 0 ] && [ "$charts" = 2 ]'

# --- bad input: exit 2, one line naming the problem, no page ------------------------------------
expect_refused() {  # description, expected text in the message, report args...
  local description=$1 expected=$2; shift 2
  rm -f "$work/bad.html"
  run --quiet report "$@" --out "$work/bad.html"
  if [ $status -eq 2 ] && [ "$(wc -l < "$work/log")" -eq 1 ] && grep -q -- "$expected" "$work/log" && [ ! -e "$work/bad.html" ]; then
    pass "$description"
  else
    fail "$description (status $status: $(head -c 300 "$work/log"))"
  fi
}
expect_refused "a missing workspace is named, not created" "no_such.mm: no such file" --workspace "$work/no_such.mm"
check "  ... and the missing workspace was not created" '[ ! -e "$work/no_such.mm" ]'
expect_refused "an unknown run" "no run 99" --workspace "$work/ws.mm" --run 99
expect_refused "run 0 (ids start at 1; it was taken as the latest)" "no run 0" --workspace "$work/ws.mm" --run 0
: > "$work/empty.mm"
expect_refused "an empty file is no workspace" "empty.mm: an empty file, not a workspace" --workspace "$work/empty.mm"
check "  ... and it is left empty (the schema was written into it)" '[ ! -s "$work/empty.mm" ]'
cp "$work/ws.mm" "$work/ws_copy.mm"
run --quiet report --workspace "$work/ws_copy.mm" --out "$work/ws_copy.mm"
check "--out naming the workspace it reads: exit 2, the workspace intact (it was replaced by the page)" \
  '[ $status -eq 2 ] && grep -q "is an input of this run" "$work/log" && cmp -s "$work/ws.mm" "$work/ws_copy.mm"'
expect_refused "neither a workspace nor a sweep" "needs --workspace"
expect_refused "both a workspace and a sweep" "excludes" --workspace "$work/ws.mm" --sweep "$work/sweep.json"
expect_refused "a metrics file is no sweep" "metrics.json: no \"sweep\" object" --sweep "$work/metrics.json"
printf '{"sweep": ' > "$work/cut.json"
expect_refused "a cut JSON file" "cut.json: not valid JSON" --sweep "$work/cut.json"

finish
