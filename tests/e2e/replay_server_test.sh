#!/usr/bin/env bash
# End-to-end test of matchmaker-replay-server: recorded answers come back at the right prompt
# position whatever the candidate order, every X-Replay-Fault kind produces its fault, --fail-first and
# the random rates inject what they promise, and /shutdown and SIGTERM stop the server with a summary.
# Run by ctest with REPLAY_SERVER_BIN set. HTTP is spoken with python3's standard library (curl is
# not a dependency); prompts come from the server's --print-prompt, which builds them with
# matchmaker's own build_select_prompt, so they are byte-identical to what matchmaker sends.
set -u
bin=${REPLAY_SERVER_BIN:?REPLAY_SERVER_BIN must name the matchmaker-replay-server binary}
work=$(mktemp -d)
server_pid=""
trap 'stop_server; rm -rf "$work"' EXIT
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Starts the server with the given extra options; sets $server_pid and $url (empty on failure).
start_server() {
  local out=$1
  shift
  "$bin" --left "$work/left.csv" --right "$work/right.csv" \
    --recordings "$work/responses.json,$work/prompts.json" --gold "$work/gold.csv" "$@" \
    >"$out" 2>"$out.err" &
  server_pid=$!
  url=""
  for _ in $(seq 1 100); do
    url=$(sed -n 's/^listening on \(http:[^ ]*\)$/\1/p' "$out")
    [ -n "$url" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "server did not start:"; cat "$out" "$out.err"
  return 1
}

# Waits up to 5 s for the server to exit by itself; true when it did.
wait_exit() {
  for _ in $(seq 1 100); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      wait "$server_pid" 2>/dev/null
      server_pid=""
      return 0
    fi
    sleep 0.05
  done
  return 1
}

# --- data: two small tables, recordings of a "real LLM", gold ---------------------------------------
# Left 1: recorded with its candidate list (options) -> chose right 12.
# Left 2: recorded "[0]".       Left 3: no options, answer == ground_answer -> ground_truth 13.
# Left 4: no recording.         Left 5: no options, wrong answer -> first shown non-gold candidate.
# Values hold commas, quotes and square brackets, which prompts neutralise, to check the lookup.
cat >"$work/left.csv" <<'EOF'
id,name,price
1,"Sony Bravia 40"" LCD TV, black",499
2,Canon PowerShot [SX200] camera,299
3,Apple iPod nano 8GB silver,149
4,Garmin nuvi 200 GPS,199
5,Bose QuietComfort 15 headphones,299
EOF
cat >"$work/right.csv" <<'EOF'
id,title,price
10,Samsung LN40 40in LCD TV,479
11,Bose QC15 Acoustic Noise Cancelling,289
12,"Sony Bravia KDL-40 40"" LCD, black",489
13,Apple iPod nano 8 GB (silver),145
14,Sony 40in LED TV,899
15,Garmin nuvi 205 GPS,189
EOF
cat >"$work/gold.csv" <<'EOF'
left_id,right_id
1,12
3,13
4,15
5,11
EOF
cat >"$work/responses.json" <<'EOF'
{"responses": [
  {"query_id": 1, "answer": "[2]", "ground_truth": 12, "ground_answer": 2, "confidence": 0.9, "explanation": "Same Sony Bravia model."},
  {"query_id": 2, "answer": "[0]", "ground_truth": null, "ground_answer": 0, "confidence": 0.8, "explanation": "No Canon camera listed."},
  {"query_id": 3, "answer": "[1]", "ground_truth": 13, "ground_answer": 1, "confidence": 0.95, "explanation": "Same iPod."},
  {"query_id": 5, "answer": "[3]", "ground_truth": 11, "ground_answer": 1, "confidence": 0.6, "explanation": "Looks alike."}]}
EOF
cat >"$work/prompts.json" <<'EOF'
{"prompts": [{"query_id": 1, "options": [10, 12, 14]}]}
EOF

# --- checks against one running server, written in Python -------------------------------------------
cat >"$work/checks.py" <<'PY'
import http.client, json, subprocess, sys, time, urllib.parse

bin_path, base, work = sys.argv[1], sys.argv[2], sys.argv[3]
parsed = urllib.parse.urlparse(base)
results = []

def check(name, ok):
    results.append(ok)
    print(("ok   - " if ok else "FAIL - ") + name, flush=True)

def prompt(left_id, right_ids, *extra):
    out = subprocess.run([bin_path, "--left", f"{work}/left.csv", "--right", f"{work}/right.csv",
                          "--print-prompt", left_id, ",".join(right_ids), *extra],
                         check=True, capture_output=True, text=True).stdout
    return out.strip().encode()

def request(method, path, body=None, fault=None):
    """(status, headers, body bytes), or (None, None, exception name) when the connection failed."""
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    headers = {"Content-Type": "application/json"}
    if fault is not None:
        headers["X-Replay-Fault"] = fault
    try:
        conn.request(method, path, body, headers)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    except (http.client.HTTPException, OSError) as error:
        return None, None, type(error).__name__
    finally:
        conn.close()

def chat(body, fault=None):
    return request("POST", parsed.path + "/chat/completions", body, fault)

def answer_of(body):
    """The parsed message content of a chat completion."""
    return json.loads(json.loads(body)["choices"][0]["message"]["content"])

def asks(left_id, right_ids, fault="none"):
    status, headers, body = chat(prompt(left_id, right_ids), fault)
    return status, headers, body

# --fail-first 2: the first two chat requests fail with 500, the third is answered.
first = [chat(prompt("1", ["10", "12", "14"]))[0] for _ in range(3)]
check(f"--fail-first 2 fails the first two requests with 500 (got {first})", first == [500, 500, 200])

status, _, body = request("GET", parsed.path + "/models")
check("GET /v1/models lists the model 'replay'", status == 200 and json.loads(body)["data"][0]["id"] == "replay")

# Recorded answers mapped to our positions.
status, headers, body = asks("1", ["10", "12", "14"])
completion = json.loads(body) if status == 200 else {}
check("a recorded answer comes back at its position ([2] = id 12)", status == 200 and answer_of(body)["answer"] == "[2]")
check("the reply is a chat.completion with usage",
      completion.get("object") == "chat.completion" and completion["usage"]["prompt_tokens"] > 100
      and completion["usage"]["completion_tokens"] > 0
      and completion["usage"]["total_tokens"] == completion["usage"]["prompt_tokens"] + completion["usage"]["completion_tokens"])
check("explanation and confidence are the recorded ones",
      status == 200 and answer_of(body)["explanation"] == "Same Sony Bravia model." and answer_of(body)["confidence"] == 0.9)
check("the query id and judged mask are in the headers", headers.get("x-replay-query-id") == "1" and headers.get("x-replay-judged") == "1,1,1")
status, headers, body = asks("1", ["14", "10", "12"])
check("shuffled candidates: the recorded record is found at its new position ([3])", status == 200 and answer_of(body)["answer"] == "[3]")
status, headers, body = asks("1", ["12", "11"])
check("a candidate the recorded model never saw is not judged", status == 200 and answer_of(body)["answer"] == "[1]" and headers.get("x-replay-judged") == "1,0")
status, _, body = asks("1", ["10", "14", "15"])
check("the recorded choice not shown -> [0]", status == 200 and answer_of(body)["answer"] == "[0]")
status, _, body = asks("2", ["12", "10"])
check("a recorded [0] -> [0]", status == 200 and answer_of(body)["answer"] == "[0]")
status, _, body = asks("3", ["10", "14", "13"])
check("no candidate list, right answer -> the gold record's position ([3])", status == 200 and answer_of(body)["answer"] == "[3]")
status, _, body = asks("5", ["11", "14", "10"])
check("no candidate list, wrong answer -> the first non-gold candidate ([2])", status == 200 and answer_of(body)["answer"] == "[2]")
status, _, body = asks("4", ["15", "10"])
content = json.loads(body)["choices"][0]["message"]["content"] if status == 200 else ""
check("a query without recording gets a refusal-like reply with no answer",
      content.startswith("I'm sorry, but") and "no recording" in content and "[" not in content and "{" not in content)
folded = chat(prompt("3", ["13", "10"], "--no-system-message"), "none")
check("the prompt without a system message parses too", folded[0] == 200 and answer_of(folded[2])["answer"] == "[1]")

# Bad requests.
status, _, body = chat(b"{not json", "none")
check("a body that is not JSON -> 400 with an OpenAI error", status == 400 and "error" in json.loads(body))
status, _, body = chat(json.dumps({"model": "replay", "messages": [{"role": "user", "content": "Hello"}]}).encode(), "none")
check("an unparseable prompt -> 400 unparseable_prompt", status == 400 and json.loads(body)["error"]["code"] == "unparseable_prompt")
edited = prompt("1", ["10", "12"]).replace(b"Samsung", b"Samsong")
status, _, body = chat(edited, "none")
check("a record in no table -> 400 unknown_record", status == 400 and json.loads(body)["error"]["code"] == "unknown_record")
status, _, _ = chat(prompt("1", ["10"]), "teapot")
check("an unknown X-Replay-Fault -> 400", status == 400)

# Each fault kind, scripted by header.
body3 = prompt("1", ["10", "12", "14"])
status, headers, body = chat(body3, "429")
check("429 carries Retry-After: 2", status == 429 and headers.get("retry-after") == "2" and "error" in json.loads(body))
status, _, body = chat(body3, "500")
check("500 is a server error with an OpenAI error body", status == 500 and "error" in json.loads(body))
started = time.monotonic()
status, _, body = chat(body3, "slow")
elapsed = time.monotonic() - started
check(f"slow answers correctly after --slow-seconds 0.5 (took {elapsed:.2f} s)", status == 200 and answer_of(body)["answer"] == "[2]" and 0.45 <= elapsed < 5)
status, _, error = chat(body3, "cut")
check(f"cut closes the connection without a response ({error})", status is None)
status, _, body = chat(body3, "malformed")
try:
    json.loads(body)
    malformed = False
except ValueError:
    malformed = True
check("malformed is a 200 whose body is not JSON", status == 200 and malformed)
status, _, body = chat(body3, "bad-candidate")
check("bad-candidate names a candidate that does not exist ([6] of 3)", status == 200 and answer_of(body)["answer"] == "[6]")
status, _, body = chat(body3, "refuse")
message = json.loads(body)["choices"][0]["message"] if status == 200 else {}
check("refuse sets message.refusal and no content", status == 200 and message.get("refusal") and message.get("content") is None)
status, _, body = chat(body3, "none")
check("none answers normally", status == 200 and answer_of(body)["answer"] == "[2]")
status, _, body = request("POST", "/nowhere", b"{}")
check("an unknown path -> 404 with a JSON error", status == 404 and "error" in json.loads(body))

status, _, body = request("GET", "/stats")
stats = json.loads(body) if status == 200 else {"faults": {}}
faults = stats["faults"]
check(f"/stats counts the faults injected ({faults})",
      faults.get("500") == 3 and faults.get("429") == 1 and faults.get("cut") == 1 and faults.get("malformed") == 1
      and faults.get("bad-candidate") == 1 and faults.get("refuse") == 1 and faults.get("slow") == 1)

status, _, body = request("POST", "/shutdown", b"")
check("POST /shutdown answers before stopping", status == 200)
sys.exit(0 if all(results) else 1)
PY

# --- server 1: scripted faults, --fail-first, /shutdown ----------------------------------------------
if start_server "$work/server1.out" --fail-first 2 --retry-after 2 --slow-seconds 0.5; then
  pass "the server starts on an ephemeral port and prints its URL ($url)"
  python3 "$work/checks.py" "$bin" "$url" "$work" >"$work/checks.log" 2>&1
  checks_status=$?
  cat "$work/checks.log"
  passed=$((passed + $(grep -c '^ok   - ' "$work/checks.log")))
  failed=$((failed + $(grep -c '^FAIL - ' "$work/checks.log")))
  check "the checks ran to the end" '! grep -q Traceback "$work/checks.log" && { [ $checks_status -eq 0 ] || grep -q "^FAIL - " "$work/checks.log"; }'
  check "/shutdown stops the server" 'wait_exit'
  check "the summary counts requests and faults" \
    'grep -q "chat completions" "$work/server1.out" && grep -q "500=3" "$work/server1.out" && grep -q "stopped by POST /shutdown" "$work/server1.out"'
else
  fail "the server starts on an ephemeral port and prints its URL"
fi
stop_server

# --- server 2: random fault rates, SIGTERM ------------------------------------------------------------
if start_server "$work/server2.out" --fail-500 0.3 --malformed 0.3 --seed 7; then
  python3 - "$url" "$work" >"$work/rates.log" 2>&1 <<'PY'
import http.client, json, subprocess, sys, urllib.parse
parsed = urllib.parse.urlparse(sys.argv[1])
work = sys.argv[2]
body = json.dumps({"model": "replay", "messages": [{"role": "user", "content": "Hello"}]}).encode()
counts = {}
for _ in range(60):
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    conn.request("POST", parsed.path + "/chat/completions", body, {"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    counts[response.status] = counts.get(response.status, 0) + 1
    conn.close()
# 500 injected, 200 malformed, 400 for the (unparseable) prompt when no fault was drawn.
print(counts)
ok = 8 <= counts.get(500, 0) <= 30 and 8 <= counts.get(200, 0) <= 30 and counts.get(400, 0) >= 8
sys.exit(0 if ok else 1)
PY
  rates_status=$?
  check "random rates inject about their share of faults ($(cat "$work/rates.log"))" '[ $rates_status -eq 0 ]'
  kill -TERM "$server_pid"
  check "SIGTERM stops the server" 'wait_exit'
  check "SIGTERM prints the summary" 'grep -q "stopped by SIGTERM" "$work/server2.out" && grep -q "requests served" "$work/server2.out"'
else
  fail "the server starts with random fault rates"
fi
stop_server

# --- bad options ----------------------------------------------------------------------------------
run --left "$work/left.csv" --right "$work/right.csv"
check "missing --recordings exits 2" '[ $status -eq 2 ] && grep -q "recordings" "$work/log"'
run --left "$work/left.csv" --right "$work/right.csv" --recordings "$work/missing.json"
check "a missing recording file exits 2" '[ $status -eq 2 ]'
run --left "$work/left.csv" --recordings "$work/responses.json" --fail-500 0.7 --cut 0.7
check "fault rates adding up to more than 1 exit 2" '[ $status -eq 2 ]'
run --left "$work/left.csv" --recordings "$work/responses.json" --slow 1.5
check "a fault rate above 1 exits 2" '[ $status -eq 2 ]'

finish
