#!/usr/bin/env bash
# Memory a node keeps after its calls end: places N short calls (SIPp answers and hangs up after a
# second, while the default assistant greets), waits until all are completed, then takes a class
# histogram (which runs a full GC) and prints the call objects still alive and the heap in use.
# A healthy node keeps none of them.
#   bench/retained.sh [calls]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${1:-80}"
PORT=18590; SIP=15590; TRUNK=15591
WORK="$(mktemp -d /tmp/parley-retained.XXXXXX)"
cd "$ROOT"
./parley build
command -v sipp >/dev/null || { echo "needs SIPp (apt-get install sip-tester)"; exit 1; }
JCMD="$(./parley jdk)/bin/jcmd"
PARLEY_SIP_LISTEN="127.0.0.1:$SIP" PARLEY_SIP_TRUNK="127.0.0.1:$TRUNK" \
  ./parley serve --port "$PORT" --data-dir "$WORK/data" > "$WORK/serve.log" 2>&1 &
SERVER=$!
sipp -sf src/test/resources/sipp/uas-answer-then-bye.xml -i 127.0.0.1 -p "$TRUNK" -mp 16500 -m "$N" -nostdin \
  -timeout 300s > "$WORK/sipp.log" 2>&1 &
SIPP=$!
trap 'kill $SERVER $SIPP 2>/dev/null; wait $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
field() { grep "$1:" "$WORK/serve.log" | awk '{print $2}'; }
H=(-H "workspace: $(field workspace_id)" -H "organization: $(field organization_id)" -H "Authorization: Bearer $(field api_key)")
AS=$(field assistant_id)
# Calls through a trunk wait for the callee's calling hours (issue 14): a bench runs at any hour.
curl -sf -X PATCH "http://127.0.0.1:$PORT/v1/admin/workspace" "${H[@]}" -H 'Content-Type: application/json' \
  -d '{"limits":{"max_concurrent_calls":20,"calls_per_second":20},"calling_window":null}' > /dev/null
for _ in $(seq 1 "$N"); do
  curl -sf "http://127.0.0.1:$PORT/v1/admin/assistant/call" "${H[@]}" -H 'Content-Type: application/json' \
    -d "{\"assistant_id\":\"$AS\",\"to_number\":\"+14155550123\"}" -o /dev/null
done
done_n=0
for _ in $(seq 1 240); do
  done_n=$(curl -s "http://127.0.0.1:$PORT/v1/admin/assistant/calls?status=completed&limit=100" "${H[@]}" \
    | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]["items"]))')
  [[ "$done_n" -ge "$N" ]] && break
  sleep 0.5
done
sleep 2
JPID=$(pgrep -f "dev.parley.cli.Main serve --port $PORT")
echo "$done_n of $N calls completed; call objects still alive after a full GC:"
"$JCMD" "$JPID" GC.class_histogram | awk '$4 ~ /^dev\.parley\.(conversation\.Conversation|media\.(Pacer|RtpTransport|Recorder)|dialer\.PlacedCall)$/ {print "  " $2 " " $4; found=1} END {if (!found) print "  none"}'
"$JCMD" "$JPID" GC.heap_info | grep -o 'used [0-9]*K' | head -1 | sed 's/^/heap in use after GC: /'
