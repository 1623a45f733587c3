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
