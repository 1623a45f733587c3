# Shared by the end-to-end test scripts: pass/fail bookkeeping and the closing summary line.
# Source it after `set -u`; call `finish` last (it prints "N passed, M failed" and sets the status).
passed=0
failed=0

pass() { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1"; }
# check DESCRIPTION CONDITION: CONDITION is evaluated as a shell expression.
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }

finish() {
  echo
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

# Stops the server whose pid is in $server_pid (scripts that start one set it), if any.
stop_server() {
  if [ -n "${server_pid:-}" ]; then
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_pid=""
  fi
}

# Runs $bin (each script sets it) with the given arguments, keeping stdout+stderr in $work/log and
# the exit status in $status.
run() { "$bin" "$@" >"$work/log" 2>&1; status=$?; }

# A value from a JSON file: json_value FILE key.subkey
json_value() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); [d:=d[k] for k in sys.argv[2].split('.')]; print(d)" "$1" "$2"; }

# at_least A B: true when the number A >= B.
at_least() { python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)" "$1" "$2"; }
