#!/usr/bin/env bash
# Durable create-call throughput against the same server's bare GET /healthz, in one run.
#   bench/create-call.sh [seconds-per-phase]   (default 10)
# Starts ./parley serve on a fresh embedded database (fsync and synchronous_commit on), then:
#   1. warm-up of both routes;
#   2. /healthz far above capacity   -> the hello ceiling (requests/s);
#   3. create-call far above capacity -> the durable create-call ceiling (calls/s);
#   4. create-call at half that rate  -> latency percentiles at a sustainable load;
# and checks that the calls committed equal the 200s counted. Load and server share this machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECS="${1:-10}"
PORT="${BENCH_PORT:-18080}"
CONNS="${BENCH_CONNECTIONS:-64}"
WORK="$(mktemp -d /tmp/parley-bench.XXXXXX)"
cd "$ROOT"
./parley build
JAVA="$(./parley jdk)/bin/java"
# Compile the tools once: launching them from source would run javac, on the cores being measured.
# Only the tools this script runs: other bench/*.java (ConversationBench) need the project's classes.
mkdir -p "$WORK/tools" && "$(./parley jdk)/bin/javac" -d "$WORK/tools" -cp "$(cat target/runtime.classpath)" bench/LoadGen.java bench/CountRows.java
CP="$(cat target/runtime.classpath)"

# An API-only node: this measures accepting calls, not dialing them (bench/calls.sh does that).
PARLEY_DIALER_ENABLED=false ./parley serve --port "$PORT" --data-dir "$WORK/data" > "$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
grep -m1 "ready" "$WORK/serve.log" || true
creds="$(./parley init --json --data-dir "$WORK/data" 2>/dev/null)"
get() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$creds" "$1"; }
WS=$(get workspace_id); ORG=$(get organization_id); KEY=$(get api_key); AS=$(get assistant_id)
printf '{"assistant_id":"%s","to_number":"+919723067241"}' "$AS" > "$WORK/body.json"
# This measures accepting calls: lift the daily caps a new workspace gets (they are still counted).
curl -sf -X PATCH "http://127.0.0.1:$PORT/v1/admin/workspace" -H "workspace: $WS" -H "organization: $ORG" \
  -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"limits": {"max_calls_per_day": null, "max_call_minutes_per_day": null}}' > /dev/null

load() { # rate seconds connections route [create]
  local extra=()
  if [[ "${5:-}" == create ]]; then
    extra=(--method POST --body-file "$WORK/body.json" --header "workspace: $WS" --header "organization: $ORG"
           --header "Authorization: Bearer $KEY" --header "Content-Type: application/json")
  fi
  "$JAVA" -cp "$WORK/tools" LoadGen --url "http://127.0.0.1:$PORT$4" --rate "$1" --seconds "$2" --connections "$3" "${extra[@]}"
}
field() { python3 -c "import json,sys; d=json.loads(sys.argv[1]); print(eval('d'+sys.argv[2]))" "$1" "$2"; }

echo "warm-up..." >&2
w1=$(load 20000 5 "$CONNS" /healthz)
w2=$(load 3000 5 "$CONNS" /v1/admin/assistant/call create)
hello=$(load 300000 "$SECS" "$CONNS" /healthz)
create=$(load 50000 "$SECS" "$CONNS" /v1/admin/assistant/call create)
ceiling=$(field "$create" "['throughput']")
half=$(python3 -c "print(int(float('$ceiling')/2))")
read -r st1 all1 < <(awk '/^cpu /{print $9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat)
steady=$(load "$half" "$SECS" "$CONNS" /v1/admin/assistant/call create)
read -r st2 all2 < <(awk '/^cpu /{print $9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat)
steal=$(python3 -c "print(round(100*($st2-$st1)/max(1,$all2-$all1),1))")
idle=$(load 100 "$SECS" 1 /v1/admin/assistant/call create)

pgport=$(sed -n 4p "$WORK/data/postgres/postmaster.pid")
rows=$("$JAVA" -cp "$WORK/tools:$CP" CountRows "jdbc:postgresql://127.0.0.1:$pgport/parley" "SELECT count(*) FROM calls")
jobs=$("$JAVA" -cp "$WORK/tools:$CP" CountRows "jdbc:postgresql://127.0.0.1:$pgport/parley" "SELECT count(*) FROM dial_jobs")
ok200=0
for r in "$w2" "$create" "$steady"; do
  ok200=$((ok200 + $(python3 -c "import json,sys; print(json.loads(sys.argv[1])['status'].get('200',0))" "$r")))
done

echo "hello      $hello"
echo "create     $create"
echo "create@1/2 $steady"
echo "create@100 $idle"
ok200=$((ok200 + $(python3 -c "import json,sys; print(json.loads(sys.argv[1])['status'].get('200',0))" "$idle")))
rows=$("$JAVA" -cp "$WORK/tools:$CP" CountRows "jdbc:postgresql://127.0.0.1:$pgport/parley" "SELECT count(*) FROM calls")
jobs=$("$JAVA" -cp "$WORK/tools:$CP" CountRows "jdbc:postgresql://127.0.0.1:$pgport/parley" "SELECT count(*) FROM dial_jobs")
python3 - "$hello" "$create" "$steady" "$rows" "$jobs" "$ok200" "$steal" "$idle" <<'PY'
import json, sys
hello, create, steady = (json.loads(a) for a in sys.argv[1:4])
rows, jobs, ok = (int(a) for a in sys.argv[4:7])
steal, idle = float(sys.argv[7]), json.loads(sys.argv[8])
ratio = create["throughput"] / hello["throughput"]
print(f"hello ceiling        {hello['throughput']:>10.0f} req/s")
print(f"create-call ceiling  {create['throughput']:>10.0f} calls/s   ratio {ratio:.3f}x (goal >= 0.15x and >= 5000/s)")
print(f"at {steady['target_rate']:.0f}/s: p50 {steady['latency_ms']['p50']} ms, p99 {steady['latency_ms']['p99']} ms, max {steady['latency_ms']['max']} ms (goal p99 <= 25 ms)")
print(f"   (CPU steal by the host during that phase: {steal}%)")
print(f"one connection at 100/s: p50 {idle['latency_ms']['p50']} ms, p99 {idle['latency_ms']['p99']} ms")
print(f"200s counted {ok}, calls committed {rows}, dial jobs {jobs}: {'OK' if ok == rows == jobs else 'MISMATCH'}")
non200 = {k: v for r in (create, steady, idle) for k, v in r['status'].items() if k != '200'}
print(f"non-200 answers: {non200 or 'none'}; transport errors: {create['errors'] + steady['errors'] + idle['errors']}")
sys.exit(0 if ok == rows == jobs else 1)
PY
