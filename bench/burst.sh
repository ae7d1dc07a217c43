#!/usr/bin/env bash
# Issue 14's burst: N creates (default 10,000) with mixed destinations and caps, sent 64 at a time
# through the HTTP API of two nodes on one database, then counted from the database: zero accepted
# calls beyond a cap, zero refused destinations accepted, every 200 with its row, every refusal
# with its reason. The suite runs the same test with 2,000 (CapsBurstTest).
#   bench/burst.sh [calls]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CALLS="${1:-10000}"
cd "$ROOT"
export JAVA_HOME="$(./parley jdk)"
LOG="$(mktemp /tmp/parley-burst.XXXXXX)"
trap 'rm -f "$LOG"' EXIT
start=$(date +%s.%N)
if ! CI=true ./mvnw -B -o -q test -Dtest=CapsBurstTest -Dsurefire.failIfNoSpecifiedTests=false \
    -Dparley.burst.calls="$CALLS" > "$LOG" 2>&1; then
  grep -v '^\s*at ' "$LOG" | tail -40
  echo "burst: FAILED (a violation or an error above)"
  exit 1
fi
end=$(date +%s.%N)
# The test prints its figures; surefire keeps them in its report.
grep -ho 'burst: [^&]*' target/surefire-reports/TEST-dev.parley.safeguards.CapsBurstTest.xml | head -1 || true
grep -h 'Tests run' target/surefire-reports/dev.parley.safeguards.CapsBurstTest.txt || true
python3 -c "print(f'whole run with the build and two nodes starting: {float(\"$end\") - float(\"$start\"):.1f} s; zero violations')"
