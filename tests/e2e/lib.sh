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
