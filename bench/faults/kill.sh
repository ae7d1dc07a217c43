#!/usr/bin/env bash
# Issue 15 item 1: kill -9 at random phases under load. Two `parley serve` nodes on one external
# PostgreSQL (a private cluster of Debian's postgresql binaries, on its own port, removed at the end),
# a steady stream of create-calls, SIPp as the trunk counting INVITEs per callee, one node SIGKILLed
# in a chosen phase (intake, claim, ringing, talking, ending, webhook delivery) and restarted, N times.
# Writes bench/faults/reports/kill-<date>.md and .json (see bench/faults/KillBench.java).
#   bench/faults/kill.sh [--kills 100] [--minutes 60] [--rate 2] [--talk-ms 3000]
# The kills stop at --kills or after --minutes, whichever comes first (restarts are slow on a busy box).
#   bench/faults/kill.sh --kills 6        # a quick development run, one kill per phase
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
KILLS=100; MINUTES=60; RATE=2; TALK=3000
while [[ $# -gt 0 ]]; do
  case "$1" in
    --kills) KILLS="$2"; shift 2 ;;
    --minutes) MINUTES="$2"; shift 2 ;;
    --rate) RATE="$2"; shift 2 ;;
    --talk-ms) TALK="$2"; shift 2 ;;
    *) sed -n '2,10p' "$0"; exit 2 ;;
  esac
done
[[ "$KILLS" =~ ^[0-9]+$ && "$KILLS" -ge 1 && "$KILLS" -le 500 ]] || { echo "--kills: 1 to 500"; exit 2; }
[[ "$MINUTES" =~ ^[0-9]+$ && "$MINUTES" -ge 1 && "$MINUTES" -le 600 ]] || { echo "--minutes: 1 to 600"; exit 2; }
[[ "$RATE" =~ ^[0-9.]+$ ]] || { echo "--rate: calls per second, e.g. 2"; exit 2; }
[[ "$TALK" =~ ^[0-9]+$ && "$TALK" -ge 1000 && "$TALK" -le 30000 ]] || { echo "--talk-ms: 1000 to 30000"; exit 2; }
command -v sipp >/dev/null || { echo "needs SIPp (apt-get install sip-tester)"; exit 1; }
source "$ROOT/bench/faults/pg-cluster.sh"
pg_cluster_require

cd "$ROOT"
./parley build
JDK="$(./parley jdk)"
CP="$(cat target/runtime.classpath)"
WORK="$(mktemp -d /tmp/parley-kill.XXXXXX)"
chmod 755 "$WORK"
cleanup() {
  pg_cluster_stop
  rm -rf "$WORK"
}
trap cleanup EXIT
pg_cluster_start "$WORK"

commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench || echo '+changes')"
machine="$(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, load $(cut -d' ' -f1-3 /proc/loadavg) at the start, $("$JDK/bin/java" -version 2>&1 | head -1), PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}')"
# What else is busy: each process over 5 % CPU, named by its command and, for a JVM, its working directory.
others="$(ps -eo pid,pcpu,comm --sort=-pcpu | awk 'NR>1 && $2>5 {print $1, $2, $3}' | while read -r pid cpu comm; do
  printf '%s in %s (%s%%) ' "$comm" "$(readlink "/proc/$pid/cwd" 2>/dev/null || echo '?')" "$cpu"; done | head -c 600)"
LABEL="$(date -u +%Y-%m-%dT%H:%MZ), commit $commit, machine: $machine. Busy at the start besides this run: ${others:-nothing over 5% CPU}."
echo "kill: $KILLS kills (at most $MINUTES minutes), $RATE calls/s; $LABEL"
"$JDK/bin/java" -cp "target/classes:$CP" bench/faults/KillBench.java \
  --jdbc "jdbc:postgresql://127.0.0.1:$PGPORT/parley?user=postgres" \
  --database-url "postgresql://postgres@127.0.0.1:$PGPORT/parley" \
  --scenario src/test/resources/sipp/uas-count-invites.xml \
  --kills "$KILLS" --minutes "$MINUTES" --rate "$RATE" --talk-ms "$TALK" --out bench/faults/reports --label "$LABEL"
