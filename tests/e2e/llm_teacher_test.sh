#!/usr/bin/env bash
# End-to-end test of the live LLM teacher path: `matchmaker match --teacher openai:replay` speaks HTTP
# to matchmaker-replay-server on 127.0.0.1 (an ephemeral port; no other address is ever used), which
# answers from a DistillER-style recording of the bundled products example and injects faults.
# Checks: (1) a run through random 429/500/cut/malformed/bad-candidate/refusal faults succeeds, every
# question is accounted for, quality holds and the API key leaks nowhere; (2) --teacher-max-calls holds
# under concurrency and retries; (3) a re-run answers from the workspace cache and pays for nothing
# twice; (4) after kill -9 mid-labelling a re-run keeps every stored answer, (4b) Ctrl-C keeps them too
# and leaves no partial output; (5) a teacher that always
# fails ends the run with exit 1, one "matchmaker: ..." line and no matches file; (9) --dry-run asks
# nothing and the run then keeps within the plan it printed; (10) the Batch API round trip (batch:,
# batch-import, the re-run answered from the cache); (11) one budget for the whole run: a vote's members
# and escalation share the caps, a money cap needs prices, batch: writes only what the caps admit.
# Run by ctest with MATCHMAKER_BIN, REPLAY_SERVER_BIN and EXAMPLES_DIR set. python3 (standard library
# only) speaks HTTP and reads the SQLite workspace; neither curl nor the sqlite3 CLI is needed.
set -u
bin=${MATCHMAKER_BIN:?MATCHMAKER_BIN must name the matchmaker binary}
server_bin=${REPLAY_SERVER_BIN:?REPLAY_SERVER_BIN must name the matchmaker-replay-server binary}
examples=${EXAMPLES_DIR:?EXAMPLES_DIR must name the examples folder}
left="$examples/products/left.csv"; right="$examples/products/right.csv"; gold="$examples/products/gold.csv"
key=sk-test-secret
work=$(mktemp -d)
server_pid=""
match_pid=""
cleanup() {
  if [ -n "$match_pid" ]; then kill -9 "$match_pid" 2>/dev/null; wait "$match_pid" 2>/dev/null; fi
  stop_server
  [ -n "${KEEP_WORK:-}" ] && echo "# kept $work" || rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
started=$(date +%s)

# --- the recording: one DistillER response per left record -------------------------------------------
# With a gold match: answer == ground_answer, so the replay rule picks the gold record when shown.
# Without: a recorded "[0]". The numbers vary (1..3); the rule only compares them.
python3 - "$left" "$gold" "$work/responses.json" <<'PY'
import csv, json, sys
left_path, gold_path, out = sys.argv[1:]
gold = {}
with open(gold_path, newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        gold.setdefault(row["left_id"], row["right_id"])
responses = []
with open(left_path, newline="", encoding="utf-8") as f:
    for idx, row in enumerate(csv.DictReader(f)):
        query = row["id"]
        if query in gold:
            n = 1 + idx % 3
            responses.append({"query_id": query, "answer": f"[{n}]", "ground_truth": gold[query], "ground_answer": n,
                              "confidence": 0.9, "explanation": "The same product."})
        else:
            responses.append({"query_id": query, "answer": "[0]", "ground_truth": None, "ground_answer": 0,
                              "confidence": 0.8, "explanation": "None of the candidates is this product."})
with open(out, "w", encoding="utf-8") as f:
    json.dump({"responses": responses}, f)
PY

# --- helpers (python3) -------------------------------------------------------------------------------
cat >"$work/h.py" <<'PY'
import http.client, json, re, sqlite3, sys
cmd, args = sys.argv[1], sys.argv[2:]
def stats(port):
    conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=10)
    conn.request("GET", "/stats")
    body = conn.getresponse().read()
    conn.close()
    return json.loads(body)
def rows(db):
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT teacher, prompt_key, query_id FROM teacher_answers").fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return []
if cmd == "stat":            # stat PORT KEY[.SUB]: one /stats value
    value = stats(args[0])
    for part in args[1].split("."):
        value = value[part]
    print(value)
elif cmd == "get":           # get FILE KEY.SUB...: one metrics value
    value = json.load(open(args[0]))
    for part in args[1].split("."):
        value = value[part]
    print(value)
elif cmd == "rows":          # rows DB: number of stored answers (0 while the table is not there)
    print(len(rows(args[0])))
elif cmd == "dup_keys":      # dup_keys DB: number of (teacher, prompt_key) stored more than once
    keys = [(teacher, key) for teacher, key, _ in rows(args[0])]
    print(len(keys) - len(set(keys)))
elif cmd == "ids":           # ids DB: the stored answers' query ids, one a line
    sys.stdout.writelines(f"{query}\n" for query in sorted({query for _, _, query in rows(args[0])}))
elif cmd == "answered_ids":  # answered_ids LOG: query ids the --verbose server answered
    # The server writes each --verbose line in pieces, so lines of concurrent requests can interleave:
    # an id may be missed, but every id found was answered (only real ids match "query L1234 -> [").
    found = set(re.findall(r"query (L[0-9]+) -> \[", open(args[0], encoding="utf-8", errors="replace").read()))
    sys.stdout.writelines(f"{query}\n" for query in sorted(found))
elif cmd == "wait_rows":     # wait_rows DB N PID SECONDS: until DB holds N answers; false if PID died or time ran out
    import os, time
    deadline = time.monotonic() + float(args[3])
    while time.monotonic() < deadline:
        if len(rows(args[0])) >= int(args[1]):
            sys.exit(0)
        try:
            os.kill(int(args[2]), 0)
        except OSError:
            sys.exit(1)
        time.sleep(0.05)
    sys.exit(1)
else:
    sys.exit(f"unknown helper command {cmd}")
PY
h() { python3 "$work/h.py" "$@"; }

# Starts a replay server with the given extra options; sets $server_pid, $url and $port. Options may
# hold --port to come back on an earlier port (the endpoint, port included, is part of every cache key);
# a port still being released is retried for a few seconds.
server_no=0
start_server() {
  local attempt
  for attempt in $(seq 1 40); do
    server_no=$((server_no + 1))
    server_out="$work/server$server_no.out"; server_err="$work/server$server_no.err"
    "$server_bin" --left "$left" --right "$right" --recordings "$work/responses.json" --gold "$gold" --verbose "$@" \
      >"$server_out" 2>"$server_err" &
    server_pid=$!
    url=""
    for _ in $(seq 1 200); do
      url=$(sed -n 's/^listening on \(http:[^ ]*\)$/\1/p' "$server_out")
      if [ -n "$url" ]; then
        port=${url#http://127.0.0.1:}; port=${port%/v1}
        return 0
      fi
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.05
    done
    wait "$server_pid" 2>/dev/null
    server_pid=""
    grep -q "cannot listen" "$server_err" || break
    sleep 0.1
  done
  echo "# the replay server did not start:"; cat "$server_out" "$server_err"
  return 1
}

# Runs matchmaker against the running server: run_match NAME WORKSPACE [extra options...]. Leaves
# $work/NAME.csv, NAME.metrics.json, NAME.err and the status in $status. The sample is drawn at once
# (stratified, or $selection), so that a re-run asks exactly the questions of the first run; the
# default with an LLM teacher, uncertainty rounds, picks later rounds from the answers that arrived
# (section 8).
run_match() {
  local name=$1 workspace=$2
  shift 2
  OPENAI_BASE_URL="$url" OPENAI_API_KEY="$key" "$bin" match --left "$left" --right "$right" --gold "$gold" \
    --out "$work/$name.csv" --teacher openai:replay --teacher-budget 60 --teacher-timeout 2 --selection "${selection:-stratified}" \
    --workspace "$workspace" --metrics "$work/$name.metrics.json" "$@" >"$work/$name.out" 2>"$work/$name.err"
  status=$?
}
report() { h get "$work/$1.metrics.json" "teacher.report.$2" 2>/dev/null || echo -1; }

faults=(--fail-429 0.1 --retry-after 1 --fail-500 0.15 --cut 0.05 --malformed 0.05 --bad-candidate 0.05
        --refuse 0.05 --seed 7)

# --- 1. faults ---------------------------------------------------------------------------------------
if ! start_server "${faults[@]}"; then
  fail "the replay server starts"
  echo "$passed passed, $failed failed"
  exit 1
fi
fault_port=$port
run_match run1 "$work/ws1.db" --teacher-concurrency 4 --progress-seconds 0
questions=$(report run1 questions); called=$(report run1 called); accepted=$(report run1 accepted_answers)
rejected=$(report run1 rejected_answers); failed_calls=$(report run1 failed_calls)
over=$(report run1 over_budget); cached=$(report run1 from_cache)
f1=$(h get "$work/run1.metrics.json" quality.f1 2>/dev/null || echo 0)
stored1=$(h rows "$work/ws1.db")
chat1=$(h stat "$port" chat_requests)
echo "# run 1: questions $questions, called $called, accepted $accepted, rejected $rejected, failed $failed_calls; F1 $f1; server: $(h stat "$port" faults)"
check "1. faults: matchmaker exits 0 (status $status)" '[ $status -eq 0 ] || { tail -n 5 "$work/run1.err"; false; }'
check "1. faults: matches are written" '[ "$(head -n 1 "$work/run1.csv" 2>/dev/null)" = "left_id,right_id,score,route,explanation" ] && [ "$(wc -l <"$work/run1.csv")" -gt 100 ]'
check "1. faults: 60 questions, all called, none cached or over budget" \
  '[ "$questions" = 60 ] && [ "$called" = 60 ] && [ "$cached" = 0 ] && [ "$over" = 0 ]'
check "1. faults: accepted + rejected + failed == called ($accepted + $rejected + $failed_calls == $called)" \
  '[ $((accepted + rejected + failed_calls)) -eq "$called" ]'
check "1. faults: some answers were rejected ($rejected)" '[ "$rejected" -ge 1 ]'
check "1. faults: unanswered == rejected + failed" \
  '[ "$(h get "$work/run1.metrics.json" teacher.unanswered)" -eq $((rejected + failed_calls)) ]'
check "1. faults: every answer received is stored ($stored1 == $accepted + $rejected)" '[ "$stored1" -eq $((accepted + rejected)) ]'
check "1. faults: the server injected faults and saw retries ($chat1 chat requests for $called calls)" \
  '[ "$chat1" -gt "$called" ]'
check "1. faults: F1 >= 0.7 (got $f1)" 'at_least "$f1" 0.7'
# With --progress-seconds 0 every reply logs where the calls stand; the last line's counts are the report's.
last_progress=$(grep -E "openai:replay: [0-9]+% \(" "$work/run1.err" | tail -n 1)
check "1. faults: progress lines count the calls and what they cost ($last_progress)" \
  '[ "$(grep -cE "openai:replay: [0-9]+% \(" "$work/run1.err")" -eq "$called" ] &&
   echo "$last_progress" | grep -q "100% ($called of $called questions)" &&
   echo "$last_progress" | grep -q "; $accepted accepted, $rejected rejected, $failed_calls failed, 0 over budget; [0-9]* tokens, \$[0-9.]* so far"'

# --- 2. the calls cap under concurrency (same faulty server) --------------------------------------------
chat_before=$(h stat "$port" chat_requests); answered_before=$(h stat "$port" answered)
refused_before=$(h stat "$port" faults.refuse)
run_match run2 "$work/ws2.db" --teacher-concurrency 8 --teacher-max-calls 15
called2=$(report run2 called); over2=$(report run2 over_budget); questions2=$(report run2 questions)
accepted2=$(report run2 accepted_answers); rejected2=$(report run2 rejected_answers); failed2=$(report run2 failed_calls)
chat2=$(( $(h stat "$port" chat_requests) - chat_before ))
# A prompt reaches the server's answer (or refusal) at most once: such a reply ends its call.
answered2=$(( $(h stat "$port" answered) - answered_before ))
refused2=$(( $(h stat "$port" faults.refuse) - refused_before ))
stored2=$(h rows "$work/ws2.db")
echo "# run 2: called $called2, over budget $over2; server: $chat2 chat requests, $answered2 answered, $refused2 refused"
check "2. budget: matchmaker exits 0 (status $status)" '[ $status -eq 0 ] || { tail -n 5 "$work/run2.err"; false; }'
check "2. budget: called <= 15 ($called2)" '[ "$called2" -ge 1 ] && [ "$called2" -le 15 ]'
check "2. budget: over_budget == questions - called ($over2 == $questions2 - $called2)" \
  '[ "$over2" -eq $((questions2 - called2)) ] && [ "$(report run2 from_cache)" = 0 ]'
check "2. budget: accepted + rejected + failed == called" '[ $((accepted2 + rejected2 + failed2)) -eq "$called2" ]'
check "2. budget: at most 15 prompts were answered or refused by the server ($answered2 + $refused2)" \
  '[ $((answered2 + refused2)) -le 15 ] && [ "$stored2" -le "$answered2" ] && [ "$stored2" -eq $((accepted2 + rejected2)) ]'
check "2. budget: chat requests <= 15 * (1 + 5 retries) ($chat2)" '[ "$chat2" -le 90 ]'

# --- 3. the cache: run 1's command again, on its workspace ----------------------------------------------
# Against the same address, with faults off, so that every request the server sees is a paid call.
stop_server
h ids "$work/ws1.db" >"$work/stored1.txt"
if start_server --port "$fault_port"; then
  run_match run3 "$work/ws1.db" --teacher-concurrency 4
  cached3=$(report run3 from_cache); called3=$(report run3 called); questions3=$(report run3 questions)
  chat3=$(h stat "$port" chat_requests)
  h answered_ids "$server_err" >"$work/answered3.txt"
  echo "# run 3: from cache $cached3, called $called3, $chat3 chat requests"
  check "3. cache: matchmaker exits 0 (status $status)" '[ $status -eq 0 ] || { tail -n 5 "$work/run3.err"; false; }'
  check "3. cache: from_cache == answers stored ($cached3 == $stored1)" '[ "$cached3" -eq "$stored1" ]'
  check "3. cache: called == questions - from_cache ($called3 == $questions3 - $cached3)" \
    '[ "$called3" -eq $((questions3 - cached3)) ] && [ "$(report run3 over_budget)" = 0 ]'
  check "3. cache: the server's request counter grew by exactly called ($chat3)" '[ "$chat3" -eq "$called3" ]'
  check "3. cache: no stored answer was asked again" '[ -z "$(LC_ALL=C comm -12 "$work/stored1.txt" "$work/answered3.txt")" ]'
  # accepted / rejected count the cached answers too; a call that did not fail brought a new one.
  check "3. cache: the new answers are stored too, and every question is accounted for" \
    '[ "$(h rows "$work/ws1.db")" -eq $((stored1 + called3 - $(report run3 failed_calls))) ] &&
     [ $(( $(report run3 accepted_answers) + $(report run3 rejected_answers) + $(report run3 failed_calls) )) -eq "$questions3" ]'
else
  fail "3. cache: the replay server comes back on port $fault_port"
fi
stop_server

# Starts run NAME against $url in the background, two questions at a time, the sample of run_match;
# sets $match_pid.
start_match_in_background() {
  local name=$1 workspace=$2
  OPENAI_BASE_URL="$url" OPENAI_API_KEY="$key" "$bin" match --left "$left" --right "$right" --gold "$gold" \
    --out "$work/$name.csv" --teacher openai:replay --teacher-budget 60 --teacher-timeout 2 --selection stratified \
    --workspace "$workspace" --metrics "$work/$name.metrics.json" --teacher-concurrency 2 \
    >"$work/$name.out" 2>"$work/$name.err" &
  match_pid=$!
}

# --- 4. kill -9 mid-labelling ----------------------------------------------------------------------------
if start_server --port "$fault_port" --slow 1.0 --slow-seconds 0.5; then
  start_match_in_background run4 "$work/ws4.db"
  if h wait_rows "$work/ws4.db" 4 "$match_pid" 30; then waited=0; else waited=1; fi
  kill -9 "$match_pid" 2>/dev/null
  wait "$match_pid" 2>/dev/null
  killed_status=$?
  match_pid=""
  stored4=$(h rows "$work/ws4.db")
  h ids "$work/ws4.db" >"$work/stored4.txt"
  echo "# run 4: killed with $stored4 answers stored"
  check "4. kill -9: 4 answers were stored while matchmaker ran, then it was killed (status $killed_status)" \
    '[ $waited -eq 0 ] && [ $killed_status -eq 137 ] && [ "$stored4" -ge 4 ] && [ "$stored4" -lt 60 ]'
  check "4. kill -9: the killed run wrote no matches file" '[ ! -e "$work/run4.csv" ]'
  stop_server
  if start_server --port "$fault_port"; then
    run_match run4b "$work/ws4.db" --teacher-concurrency 2
    cached4=$(report run4b from_cache); called4=$(report run4b called); questions4=$(report run4b questions)
    h answered_ids "$server_err" >"$work/answered4.txt"
    echo "# run 4 again: from cache $cached4, called $called4"
    check "4. kill -9: the re-run exits 0 (status $status)" '[ $status -eq 0 ] || { tail -n 5 "$work/run4b.err"; false; }'
    check "4. kill -9: from_cache >= answers stored before the kill ($cached4 >= $stored4)" '[ "$cached4" -ge "$stored4" ]'
    check "4. kill -9: called == questions - from_cache ($called4 == $questions4 - $cached4)" \
      '[ "$called4" -eq $((questions4 - cached4)) ] && [ "$called4" -ge 1 ]'
    check "4. kill -9: no answer stored before the kill was asked again" \
      '[ -z "$(LC_ALL=C comm -12 "$work/stored4.txt" "$work/answered4.txt")" ]'
    check "4. kill -9: no prompt key is stored twice" '[ "$(h dup_keys "$work/ws4.db")" = 0 ] && [ "$(h rows "$work/ws4.db")" -ge 60 ]'
  else
    fail "4. kill -9: the replay server comes back on port $fault_port"
  fi
else
  fail "4. kill -9: the slow replay server starts"
fi
stop_server

# --- 4b. Ctrl-C (SIGINT) mid-labelling: the stored answers stay, the partial outputs go ------------------
if start_server --slow 1.0 --slow-seconds 0.5; then
  start_match_in_background run4c "$work/ws4c.db"
  if h wait_rows "$work/ws4c.db" 4 "$match_pid" 30; then waited=0; else waited=1; fi
  temporary_before=$(ls "$work" | grep -c '^run4c\..*tmp-')
  kill -INT "$match_pid" 2>/dev/null
  wait "$match_pid" 2>/dev/null
  interrupted_status=$?
  match_pid=""
  stored4c=$(h rows "$work/ws4c.db")
  echo "# run 4b: interrupted with $stored4c answers stored, $temporary_before temporary outputs open"
  check "4b. SIGINT: exit status 130, the answers stored so far kept, no output and no temporary file left" \
    '[ $waited -eq 0 ] && [ $interrupted_status -eq 130 ] && [ "$stored4c" -ge 4 ] && [ "$temporary_before" -eq 2 ] &&
     [ -z "$(ls "$work" | grep -E "^run4c\.(csv|metrics\.json)")" ]'
else
  fail "4b. SIGINT: the slow replay server starts"
fi
stop_server

# --- 5. a teacher that always fails ---------------------------------------------------------------------
if start_server --fail-500 1.0; then
  run_match run5 "$work/ws5.db" --teacher-concurrency 4 --teacher-retries 1
  message_lines=$(grep -c '^matchmaker: ' "$work/run5.err")
  echo "# run 5: status $status; $(grep '^matchmaker: ' "$work/run5.err")"
  check "5. always failing: matchmaker exits 1 (status $status)" '[ $status -eq 1 ]'
  check "5. always failing: one 'matchmaker: ...' line, the last one" \
    '[ "$message_lines" -eq 1 ] && tail -n 1 "$work/run5.err" | grep -q "^matchmaker: ."'
  check "5. always failing: no matches file, no temporary file" \
    '[ ! -e "$work/run5.csv" ] && [ -z "$(ls "$work" | grep "^run5.csv")" ]'
  check "5. always failing: every call failed, each tried twice ($(h stat "$port" chat_requests) requests)" \
    '[ "$(h stat "$port" chat_requests)" -eq 120 ] && [ "$(h rows "$work/ws5.db")" = 0 ]'
else
  fail "5. always failing: the replay server starts"
fi
stop_server

# --- 6. routing: escalation within its caps, explanations -------------------------------------------------
routing() { h get "$work/$1.metrics.json" "routing.$2" 2>/dev/null || echo -1; }
if start_server; then
  run_match run6 "$work/ws6.db" --escalate-max-calls 12 --teacher-concurrency 8
  escalated6=$(routing run6 escalated); called6=$(routing run6 teacher_report.called)
  echo "# run 6: escalated $escalated6, escalation calls $called6"
  check "6. routing: matchmaker exits 0 (status $status)" '[ $status -eq 0 ] || { tail -n 5 "$work/run6.err"; false; }'
  check "6. routing: exactly 12 queries escalated, 12 calls ($escalated6, $called6)" '[ "$escalated6" = 12 ] && [ "$called6" = 12 ]'
  # Escalated queries are the uncertain ones, often without a match: find one in the workspace.
  first_teacher=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT left_id FROM explanations WHERE route = 'teacher' LIMIT 1\").fetchone()[0])" "$work/ws6.db")
  check "6. routing: the workspace records teacher-decided queries ($first_teacher)" '[ -n "$first_teacher" ]'
  "$bin" explain --workspace "$work/ws6.db" "$first_teacher" >"$work/explain6.out" 2>&1; status=$?
  check "6. routing: explain names the teacher and its rationale" \
    '[ $status -eq 0 ] && grep -q "Decided by: the LLM teacher" "$work/explain6.out" && grep -q "Its rationale:" "$work/explain6.out"'
  # A money cap: at 10/20 USD per million tokens a call costs several thousandths of a dollar.
  run_match run7 "$work/ws7.db" --teacher-price 10,20 --escalate-max-usd 0.05
  usd7=$(routing run7 teacher_report.usd); called7=$(routing run7 teacher_report.called)
  echo "# run 7: escalation calls $called7 cost $usd7 USD (cap 0.05)"
  check "7. routing: the money cap holds (${usd7} <= 0.05) and some calls were made ($called7)" \
    '[ $status -eq 0 ] && python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= 0.05 else 1)" "$usd7" && [ "$called7" -ge 1 ]'
  planned7=$(h get "$work/run7.metrics.json" plan.escalation.questions_max 2>/dev/null || echo -1)
  check "7. routing: the plan bounds the escalation calls ($called7 <= $planned7) and names the money goal" \
    '[ "$called7" -le "$planned7" ] && grep -q "escalated queries, for at most \$0.05" "$work/run7.err"'
else
  fail "6. routing: the replay server starts"
fi
stop_server

# --- 8. the default selection with an LLM teacher: uncertainty rounds, replayed from the cache ----------
if start_server; then
  selection=auto run_match run8 "$work/ws8.db" --teacher-concurrency 4
  selection8=$(h get "$work/run8.metrics.json" config.selection 2>/dev/null); called8=$(report run8 called)
  selection=auto run_match run8b "$work/ws8.db" --teacher-concurrency 4
  called8b=$(report run8b called); cached8b=$(report run8b from_cache)
  echo "# run 8: selection $selection8, called $called8; again: called $called8b, from cache $cached8b"
  check "8. auto selection with an LLM teacher is uncertainty, and the run asks its budget ($selection8, $called8)" \
    '[ "$selection8" = uncertainty ] && [ "$called8" = 60 ]'
  check "8. a re-run of the uncertainty rounds takes every answer from the cache and calls nothing" \
    '[ "$called8b" = 0 ] && [ "$cached8b" = 60 ] && cmp -s "$work/run8.csv" "$work/run8b.csv"'
else
  fail "8. uncertainty: the replay server starts"
fi
stop_server

# --- 9. --dry-run: the plan of questions and cost, nothing asked; then the run keeps within its plan ------
if start_server; then
  run_match run9 "$work/ws9.db" --escalate-share 0.25 --teacher-price 10,20 --dry-run
  chat9=$(h stat "$port" chat_requests)
  plan() { h get "$work/run9.metrics.json" "plan.$1" 2>/dev/null || echo -1; }
  runs9=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM runs').fetchone()[0])" "$work/ws9.db")
  echo "# run 9 (dry): $(plan questions_max) questions, $(plan prompt_tokens_max) prompt tokens, $(plan usd_max) USD at most"
  check "9. dry run: exits 0 without a call, a matches file or a recorded run ($status, $chat9 requests, $runs9 runs)" \
    '[ $status -eq 0 ] && [ "$chat9" = 0 ] && [ ! -e "$work/run9.csv" ] && [ "$runs9" = 0 ]'
  check "9. dry run: 60 sample and at most 75 escalation questions (25% of 300), in the log and the metrics" \
    '[ "$(plan sample_questions)" = 60 ] && [ "$(plan escalation.questions_max)" = 75 ] && [ "$(plan questions_max)" = 135 ] &&
     grep -q "plan: openai:replay labels a training sample of 60 queries (of 300 it can answer)" "$work/run9.err" &&
     grep -q "plan: in all at most 135 questions, " "$work/run9.err" && grep -q "dry run: stopping before the first question" "$work/run9.err"'
  run_match run9b "$work/ws9.db" --escalate-share 0.25 --teacher-price 10,20
  sum9() { python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print(m['teacher']['report'][sys.argv[2]] + m['routing']['teacher_report'][sys.argv[2]])" "$work/run9b.metrics.json" "$1" 2>/dev/null || echo -1; }
  called9=$(sum9 called); prompt9=$(sum9 prompt_tokens); completion9=$(sum9 completion_tokens); usd9=$(sum9 usd)
  echo "# run 9: $called9 calls, $prompt9 prompt + $completion9 completion tokens, $usd9 USD"
  check "9. the run keeps within its plan: calls, prompt and answer tokens, money" \
    '[ $status -eq 0 ] && python3 -c "import sys; a = [float(x) for x in sys.argv[1:]]; sys.exit(0 if 0 < a[0] <= a[1] and 0 < a[2] <= a[3] and 0 < a[4] <= a[5] and 0 < a[6] <= a[7] else 1)" \
       "$called9" "$(plan questions_max)" "$prompt9" "$(plan prompt_tokens_max)" "$completion9" "$(plan completion_tokens_max)" "$usd9" "$(plan usd_max)"'
else
  fail "9. dry run: the replay server starts"
fi
stop_server

# --- 10. Batch API round trip: batch:MODEL writes the requests, the Batch API (played here by the replay
# server, one request each) answers them, batch-import stores the answers, and the re-run with
# openai:MODEL and the default selection asks the very same questions, all from the cache ----------------
if start_server; then
  batch_run() {
    local name=$1
    shift
    OPENAI_BASE_URL="$url" OPENAI_API_KEY="$key" "$bin" match --left "$left" --right "$right" --gold "$gold" \
      --out "$work/$name.csv" --teacher-budget 60 --teacher-timeout 2 --workspace "$work/ws10.db" \
      --metrics "$work/$name.metrics.json" "$@" >"$work/$name.out" 2>"$work/$name.err"
    status=$?
  }
  batch_run run10 --teacher batch:replay
  requests10=$(grep -c . "$work/run10.csv.batch.jsonl" 2>/dev/null || echo 0)
  run_status() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT status FROM runs WHERE id = ?', (int(sys.argv[2]),)).fetchone()[0])" "$work/ws10.db" "$1" 2>/dev/null || echo none; }
  check "10. batch: 60 requests written, no matches file, the run recorded as done ($status, $requests10 lines, run 1 $(run_status 1))" \
    '[ $status -eq 0 ] && [ "$requests10" = 60 ] && [ ! -e "$work/run10.csv" ] && [ "$(run_status 1)" = done ] &&
     grep -q "batch-import --workspace $work/ws10.db --teacher openai:replay" "$work/run10.err"'
  # The Batch API's output file: one line per request, the response wrapped as the API does.
  python3 - "$work/run10.csv.batch.jsonl" "$port" "$key" "$work/batch_output.jsonl" <<'PY'
import http.client, json, sys
requests, port, key, out = sys.argv[1:]
with open(requests, encoding="utf-8") as lines, open(out, "w", encoding="utf-8") as output:
    for number, line in enumerate(lines):
        request = json.loads(line)
        conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
        conn.request(request["method"], request["url"], json.dumps(request["body"]),
                     {"Content-Type": "application/json", "Authorization": f"Bearer {key}"})
        response = conn.getresponse()
        body = json.loads(response.read())
        conn.close()
        output.write(json.dumps({"id": f"batch_req_{number}", "custom_id": request["custom_id"],
                                 "response": {"status_code": response.status, "request_id": f"req_{number}", "body": body},
                                 "error": None}) + "\n")
PY
  run batch-import --workspace "$work/ws10_typo.db" --teacher openai:replay "$work/batch_output.jsonl"
  check "10. batch-import into a workspace that does not exist: exit 2, nothing created ($status)" \
    '[ $status -eq 2 ] && grep -q "no such file" "$work/log" && [ ! -e "$work/ws10_typo.db" ]'
  run batch-import --workspace "$work/ws10.db" --teacher openai:other-model "$work/batch_output.jsonl"
  check "10. batch-import under a model no batch: run of the workspace asked: exit 2 (they would never be found) ($status)" \
    '[ $status -eq 2 ] && grep -q "no run of workspace .* wrote batch:other-model requests" "$work/log"'
  run batch-import --workspace "$work/ws10.db" --teacher openai:replay "$work"
  check "10. batch-import of a directory: exit 2 ($status)" '[ $status -eq 2 ] && grep -q "is a directory" "$work/log"'
  run batch-import --workspace "$work/ws10.db" --teacher openai:replay "$work/batch_output.jsonl"
  check "10. batch-import stores the 60 answers ($status)" \
    '[ $status -eq 0 ] && grep -q "batch-import: 60 results, 60 answers stored in .* (0 were there already)" "$work/log"'
  run batch-import --workspace "$work/ws10.db" --teacher openai:replay "$work/batch_output.jsonl"
  check "10. importing the same file again stores none and says so (it said 60 stored) ($status)" \
    '[ $status -eq 0 ] && grep -q "batch-import: 60 results, 0 answers stored in .* (60 were there already)" "$work/log"'
  chat10=$(h stat "$port" chat_requests)
  batch_run run10b --teacher openai:replay
  chat10b=$(h stat "$port" chat_requests)
  echo "# run 10b: $(report run10b from_cache) from the cache, $(report run10b called) called; server requests $chat10 -> $chat10b"
  check "10. the re-run (--selection auto) takes the batch run's stratified sample and asks nothing new ($status)" \
    '[ $status -eq 0 ] && [ "$(report run10b from_cache)" = 60 ] && [ "$(report run10b called)" = 0 ] && [ "$chat10b" = "$chat10" ] &&
     grep -q "selection: stratified (not uncertainty), as in run 1 (batch:replay)" "$work/run10b.err"'
  # The same questions asked live give the same answers, hence the same matches.
  run_match run10c "$work/ws10c.db"
  check "10. its matches are those of the same sample asked live ($status)" \
    '[ $status -eq 0 ] && [ "$(report run10c called)" = 60 ] && cmp -s "$work/run10b.csv" "$work/run10c.csv"'
else
  fail "10. batch: the replay server starts"
fi
stop_server

# --- 11. one budget for the whole run: vote members and escalation draw on the same caps ------------------
if start_server; then
  run_capped() {
    local name=$1
    shift
    OPENAI_BASE_URL="$url" OPENAI_API_KEY="$key" "$bin" match --left "$left" --right "$right" \
      --out "$work/$name.csv" --teacher-budget 60 --teacher-timeout 2 --selection stratified --workspace "$work/$name.db" \
      --metrics "$work/$name.metrics.json" "$@" >"$work/$name.out" 2>"$work/$name.err"
    status=$?
  }
  before=$(h stat "$port" chat_requests)
  run_capped run11 --teacher 'majority:openai:model-a|openai:model-b' --teacher-max-calls 20 --teacher-concurrency 4
  calls11=$(( $(h stat "$port" chat_requests) - before ))
  check "11. a two-model vote under --teacher-max-calls 20 makes 20 calls in all, not 20 each ($calls11; status $status)" \
    '[ "$calls11" = 20 ]'
  before=$(h stat "$port" chat_requests)
  run_capped run11b --teacher 'majority:openai:model-c|openai:model-d' --teacher-max-calls 70 --escalate-share 0.25
  calls11b=$(( $(h stat "$port" chat_requests) - before ))
  check "11. with escalation the vote's sample and escalation together keep within 70 calls ($calls11b; status $status)" \
    '[ "$calls11b" -le 70 ] && [ "$calls11b" -ge 60 ]'
  before=$(h stat "$port" chat_requests)
  run_capped run11c --teacher openai:model-e --teacher-max-usd 0.01
  calls11c=$(( $(h stat "$port" chat_requests) - before ))
  check "11. --teacher-max-usd without --teacher-price: exit 2 before any call ($status, $calls11c calls)" \
    '[ $status -eq 2 ] && [ "$calls11c" = 0 ] && grep -q "needs the model.s prices" "$work/run11c.err"'
  run_capped run11d --escalate-teacher openai:model-f --escalate-max-usd 0.01 --escalate-share 0.25
  check "11. --escalate-max-usd without a price, the LLM answering only escalation: exit 2 ($status)" \
    '[ $status -eq 2 ] && grep -q "needs the model.s prices" "$work/run11d.err"'
  run_capped run11e --teacher batch:model-g --teacher-max-calls 10
  lines11e=$(grep -c . "$work/run11e.csv.batch.jsonl" 2>/dev/null || echo 0)
  check "11. batch: writes only the 10 requests --teacher-max-calls admits ($lines11e; status $status)" \
    '[ $status -eq 0 ] && [ "$lines11e" = 10 ] && grep -q "50 of 60 questions not written to the batch file: calls cap 10 reached" "$work/run11e.err"'
  before=$(h stat "$port" chat_requests)
  run_capped run11h --teacher 'majority:openai:model-j|openai:model-k' --escalate-share 0.25 --escalate-max-calls 10
  calls11h=$(( $(h stat "$port" chat_requests) - before )); reported11h=$(h get "$work/run11h.metrics.json" teacher.calls)
  check "11. a two-model vote: 120 sample calls, then escalation within --escalate-max-calls 10 counted in calls; teacher.calls counts them all ($calls11h requests, $reported11h reported)" \
    '[ $status -eq 0 ] && [ "$calls11h" -le 130 ] && [ "$calls11h" -ge 120 ] && [ "$calls11h" = "$reported11h" ]'
  before=$(h stat "$port" chat_requests)
  run_capped run11i --teacher openai:model-l --export-sft "$work/no_such_dir/sft.jsonl"
  calls11i=$(( $(h stat "$port" chat_requests) - before ))
  check "11. --export-sft in a missing folder: exit 2 before any paid call ($status, $calls11i calls)" \
    '[ $status -eq 2 ] && [ "$calls11i" = 0 ]'
  run_capped run11g --teacher openai:model-i --teacher-max-calls 0
  check "11. --teacher-max-calls 0: the run stops saying the caps refused the questions ($status)" \
    '[ $status -eq 1 ] && grep -q "60 questions were refused by the hard caps" "$work/run11g.err"'
  printf '{"id": "a", "name": "x"}\n' > "$work/run11f.csv.batch.jsonl"
  OPENAI_BASE_URL="$url" OPENAI_API_KEY="$key" "$bin" match --left "$work/run11f.csv.batch.jsonl" --right "$right" \
    --out "$work/run11f.csv" --teacher batch:model-h --workspace "$work/run11f.db" 2>"$work/run11f.err"
  status=$?
  check "11. a left table named OUT.batch.jsonl is not overwritten by batch: requests: exit 2 ($status)" \
    '[ $status -eq 2 ] && grep -q "Batch API requests file" "$work/run11f.err" && [ "$(wc -l < "$work/run11f.csv.batch.jsonl")" = 1 ]'
else
  fail "11. one run budget: the replay server starts"
fi
stop_server

# --- the API key never leaks into anything matchmaker wrote -----------------------------------------------
shopt -s nullglob
written=("$work"/run*.err "$work"/run*.out "$work"/*.metrics.json "$work"/ws*.db* "$work"/run*.csv)
shopt -u nullglob
check "the API key appears in none of matchmaker's ${#written[@]} stderr, metrics, workspace and output files" \
  '[ ${#written[@]} -gt 10 ] && ! grep -qaF "$key" "${written[@]}"'

echo "# $(( $(date +%s) - started )) s"
finish
