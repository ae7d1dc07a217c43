#!/usr/bin/env bash
# Issue 15 item 2: PostgreSQL restarted under load. One `parley serve --database-url` on a private
# PostgreSQL cluster (Debian's postgresql binaries, on its own port, removed at the end), SIPp as
# the trunk (answers, echoes RTP, hangs up after --talk-ms), create-calls streaming in at --rate;
# PostgreSQL stopped (fast, then immediate, in turn) --restarts times, kept down --down-s, started.
# Writes bench/faults/reports/db-restart-<date>.md and .json (see bench/faults/DbRestartBench.java).
#   bench/faults/db-restart.sh [--restarts 5] [--rate 1] [--talk-ms 20000] [--down-s 10] [--warm-s 25]
#   bench/faults/db-restart.sh --restarts 2 --warm-s 12 --talk-ms 8000   # a quick development run
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RESTARTS=5; RATE=1; TALK=20000; DOWN=10; WARM=25
while [[ $# -gt 0 ]]; do
  case "$1" in
    --restarts) RESTARTS="$2"; shift 2 ;;
    --rate) RATE="$2"; shift 2 ;;
    --talk-ms) TALK="$2"; shift 2 ;;
    --down-s) DOWN="$2"; shift 2 ;;
    --warm-s) WARM="$2"; shift 2 ;;
    *) sed -n '2,9p' "$0"; exit 2 ;;
  esac
done
[[ "$RESTARTS" =~ ^[0-9]+$ && "$RESTARTS" -ge 1 && "$RESTARTS" -le 50 ]] || { echo "--restarts: 1 to 50"; exit 2; }
[[ "$RATE" =~ ^[0-9.]+$ ]] || { echo "--rate: calls per second, e.g. 1"; exit 2; }
[[ "$TALK" =~ ^[0-9]+$ && "$TALK" -ge 1000 && "$TALK" -le 120000 ]] || { echo "--talk-ms: 1000 to 120000"; exit 2; }
[[ "$DOWN" =~ ^[0-9]+$ && "$DOWN" -ge 1 && "$DOWN" -le 120 ]] || { echo "--down-s: 1 to 120"; exit 2; }
[[ "$WARM" =~ ^[0-9]+$ && "$WARM" -ge 5 && "$WARM" -le 300 ]] || { echo "--warm-s: 5 to 300"; exit 2; }
command -v sipp >/dev/null || { echo "needs SIPp (apt-get install sip-tester)"; exit 1; }
source "$ROOT/bench/faults/pg-cluster.sh"
pg_cluster_require

cd "$ROOT"
./parley build
JDK="$(./parley jdk)"
CP="$(cat target/runtime.classpath)"
WORK="$(mktemp -d /tmp/parley-db-restart.XXXXXX)"
chmod 755 "$WORK"
cleanup() {
  pg_cluster_stop
  if [[ -n "${KEEP:-}" ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
pg_cluster_start "$WORK"
# What the bench calls to stop (fast | immediate) and start the server; pg_ctl waits for either.
cat > "$WORK/pg.sh" <<PG
#!/usr/bin/env bash
set -euo pipefail
as_pg() { if [[ "\$(id -u)" == 0 ]]; then runuser -u postgres -- "\$@"; else "\$@"; fi; }
case "\$1" in
  stop) as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m "\$2" -w stop ;;
  start) as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -o "$OPTS" start ;;
esac
PG

commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench || echo '+changes')"
machine="$(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, load $(cut -d' ' -f1-3 /proc/loadavg) at the start, $("$JDK/bin/java" -version 2>&1 | head -1), PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}')"
others="$(ps -eo pcpu,comm --sort=-pcpu | awk 'NR>1 && $1>5 {printf "%s (%s%%) ", $2, $1}' | head -c 400)"
LABEL="$(date -u +%Y-%m-%dT%H:%MZ), commit $commit, machine: $machine. Busy at the start besides this run: ${others:-nothing over 5% CPU}."
echo "db-restart: $RESTARTS restarts, $RATE calls/s; $LABEL"
"$JDK/bin/java" -cp "target/classes:$CP" bench/faults/DbRestartBench.java \
  --jdbc "jdbc:postgresql://127.0.0.1:$PGPORT/parley?user=postgres" \
  --database-url "postgresql://postgres@127.0.0.1:$PGPORT/parley" \
  --pg-control "$WORK/pg.sh" --pg-log "$PGDATA/server.log" --scenario bench/faults/uas-talk-then-bye.xml --work "$WORK" \
  --restarts "$RESTARTS" --rate "$RATE" --talk-ms "$TALK" --down-s "$DOWN" --warm-s "$WARM" \
  --out bench/faults/reports --label "$LABEL"
