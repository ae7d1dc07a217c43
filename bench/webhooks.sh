#!/usr/bin/env bash
# Webhook delivery: lag from status change to delivery, and delivery throughput, with a local receiver.
#   bench/webhooks.sh [calls-per-second] [seconds] [overload-rate]     (defaults 1000, 10, 4000)
# 1. Lag: calls created at a steady rate; each call.queued event's arrival minus its created_at.
# 2. Throughput: calls created faster than events can be delivered (overload-rate for 5 s); the
#    receiver's arrival rate while the backlog lasts is the delivery throughput (with creation
#    running on the same 2 cores).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RATE="${1:-1000}"; SECS="${2:-10}"; OVER="${3:-4000}"
PORT=18180; SINK=18181
WORK="$(mktemp -d /tmp/parley-bench.XXXXXX)"
cd "$ROOT"
./parley build
JAVA="$(./parley jdk)/bin/java"
# Compile the tools once: launching them from source would run javac, on the cores being measured.
# Only the tools this script runs: other bench/*.java (ConversationBench) need the project's classes.
mkdir -p "$WORK/tools" && "$(./parley jdk)/bin/javac" -d "$WORK/tools" -cp "$(cat target/runtime.classpath)" bench/LoadGen.java bench/WebhookSink.java
"$JAVA" -cp "$WORK/tools" WebhookSink "$SINK" > "$WORK/sink.log" 2>&1 &
SINKPID=$!
# An API-only node: this measures accepting calls, not dialing them (bench/calls.sh does that).
PARLEY_DIALER_ENABLED=false ./parley serve --port "$PORT" --data-dir "$WORK/data" > "$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER $SINKPID 2>/dev/null; wait $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && curl -sf -o /dev/null "http://127.0.0.1:$SINK/stats" && break; sleep 0.5; done
creds="$(./parley init --json --data-dir "$WORK/data" 2>/dev/null)"
get() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$creds" "$1"; }
WS=$(get workspace_id); ORG=$(get organization_id); KEY=$(get api_key); AS=$(get assistant_id)
AUTH=(-H "workspace: $WS" -H "organization: $ORG" -H "Authorization: Bearer $KEY")
curl -sf -X PATCH "http://127.0.0.1:$PORT/v1/admin/workspace" "${AUTH[@]}" -H 'Content-Type: application/json' \
  -d "{\"webhook_url\": \"http://127.0.0.1:$SINK/hook\", \"limits\": {\"max_calls_per_day\": null, \"max_call_minutes_per_day\": null}}" > /dev/null
printf '{"assistant_id":"%s","to_number":"+919723067241"}' "$AS" > "$WORK/body.json"
create() { # rate seconds
  "$JAVA" -cp "$WORK/tools" LoadGen --url "http://127.0.0.1:$PORT/v1/admin/assistant/call" --rate "$1" --seconds "$2" --connections 32 \
    --method POST --body-file "$WORK/body.json" --header "workspace: $WS" --header "organization: $ORG" \
    --header "Authorization: Bearer $KEY" --header "Content-Type: application/json"
}
wait_for() { # count since
  for _ in $(seq 1 600); do
    n=$(curl -s "http://127.0.0.1:$SINK/stats?since=$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["distinct"])')
    [[ "$n" -ge "$1" ]] && return 0
    sleep 0.2
  done
  echo "only $n of $1 events arrived" >&2; return 1
}

create 500 3 > /dev/null   # warm-up
sleep 2
t0=$(date +%s%3N)
steady=$(create "$RATE" "$SECS")
made=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['status'].get('200',0))" "$steady")
wait_for "$made" "$t0"
lag=$(curl -s "http://127.0.0.1:$SINK/stats?since=$t0")

t1=$(date +%s%3N)
burst=$(create "$OVER" 5)
queued=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['status'].get('200',0))" "$burst")
wait_for "$queued" "$t1"
drain=$(curl -s "http://127.0.0.1:$SINK/stats?since=$t1")

python3 - "$RATE" "$made" "$lag" "$queued" "$drain" <<'PY'
import json, sys
rate, made, lag, queued, drain = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]), int(sys.argv[4]), json.loads(sys.argv[5])
l = lag["lag_ms"]
print(f"lag at {rate} calls/s: {lag['distinct']} of {made} events, p50 {l['p50']} ms, p90 {l['p90']} ms, p99 {l['p99']} ms, max {l['max']} ms, duplicates {lag['duplicates']}")
print(f"throughput: {queued} calls created in 5 s; their events arrived at {drain['events_per_s']:.0f} events/s "
      f"({drain['distinct']} distinct, {drain['duplicates']} duplicates, last one {drain['lag_ms']['max']} ms after its call)")
sys.exit(0 if lag["distinct"] == made and drain["distinct"] >= queued else 1)
PY
