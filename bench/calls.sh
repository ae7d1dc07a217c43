#!/usr/bin/env bash
# Telephony figures: dial latency (accepted -> INVITE sent), setup latency (INVITE -> first 180/200)
# and CPU per live call, with N concurrent answered calls (default 20) against SIPp as the trunk.
# Each call is answered, hears a ~4 s announcement (an assistant whose flow is one closing line, which
# SIPp's echo cannot interrupt; RTP both ways) and is hung up by Parley.
#   bench/calls.sh [calls]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${1:-20}"
PORT=18480; SIP=15480; TRUNK=15481
WORK="$(mktemp -d /tmp/parley-bench.XXXXXX)"
cd "$ROOT"
./parley build
command -v sipp >/dev/null || { echo "needs SIPp (apt-get install sip-tester)"; exit 1; }
PARLEY_SIP_LISTEN="127.0.0.1:$SIP" PARLEY_SIP_TRUNK="127.0.0.1:$TRUNK" \
  ./parley serve --port "$PORT" --data-dir "$WORK/data" > "$WORK/serve.log" 2>&1 &
SERVER=$!
sipp -sf src/test/resources/sipp/uas-answer.xml -i 127.0.0.1 -p "$TRUNK" -mp 16000 -rtp_echo -m "$N" -nostdin \
  -timeout 120s > "$WORK/sipp.log" 2>&1 &
SIPP=$!
trap 'kill $SERVER $SIPP 2>/dev/null; wait $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
creds="$(./parley init --json --data-dir "$WORK/data" 2>/dev/null)"
get() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$creds" "$1"; }
WS=$(get workspace_id); ORG=$(get organization_id); KEY=$(get api_key); AS=$(get assistant_id)
H=(-H "workspace: $WS" -H "organization: $ORG" -H "Authorization: Bearer $KEY")
# Calls through a trunk wait for the callee's calling hours (issue 14): a bench runs at any hour.
curl -sf -X PATCH "http://127.0.0.1:$PORT/v1/admin/workspace" "${H[@]}" -H 'Content-Type: application/json' \
  -d "{\"limits\":{\"max_concurrent_calls\":$N,\"calls_per_second\":$N},\"calling_window\":null}" > /dev/null
AS=$(curl -sf -X POST "http://127.0.0.1:$PORT/v1/admin/assistant" "${H[@]}" -H 'Content-Type: application/json' \
  -d '{"name":"announcer","config":{"flow":{"steps":[{"id":"only","end":{"say":"This is Parley, calling to test your line. Thank you, and goodbye."}}]}}}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["assistant_id"])')

# Measure calls, not start-up: wait until the node's two recognizers exist (creating them takes
# seconds of both cores, and used to land inside the measured window).
for _ in $(seq 1 120); do
  curl -s "http://127.0.0.1:$PORT/metrics" | grep -q '^parley_speech_recognizers{state="free"} 2' && break
  sleep 0.5
done
JPID=$(pgrep -f "dev.parley.cli.Main serve --port $PORT")
ticks() { awk '{print $14+$15}' "/proc/$JPID/stat"; }
t0=$(ticks); s0=$(date +%s%N)
seq -f '%04g' 1 "$N" | xargs -P "$N" -I{} curl -sf "http://127.0.0.1:$PORT/v1/admin/assistant/call" "${H[@]}" \
  -H 'Content-Type: application/json' -d "{\"assistant_id\":\"$AS\",\"to_number\":\"+1415555{}\"}" -o /dev/null
for _ in $(seq 1 300); do
  done_n=$(curl -s "http://127.0.0.1:$PORT/v1/admin/assistant/calls?status=completed&limit=100" "${H[@]}" \
    | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]["items"]))')
  [[ "$done_n" -ge "$N" ]] && break
  sleep 0.2
done
t1=$(ticks); s1=$(date +%s%N)
metrics=$(curl -s "http://127.0.0.1:$PORT/metrics")
python3 - "$N" "$done_n" "$t0" "$t1" "$s0" "$s1" "$metrics" <<'PY'
import sys, re
n, done, t0, t1, s0, s1, metrics = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
wall = (s1 - s0) / 1e9
cpu = (t1 - t0) / 100.0
def hist(name):
    buckets = [(float(m.group(1)) if m.group(1) != '+Inf' else float('inf'), float(m.group(2)))
               for m in re.finditer(name + r'_bucket\{le="([^"]+)"\} (\S+)', metrics)]
    total = float(re.search(name + r'_count (\S+)', metrics).group(1))
    s = float(re.search(name + r'_sum (\S+)', metrics).group(1))
    def q(p):
        for le, c in sorted(buckets):
            if c >= p * total:
                return le * 1000
    return total, s / total * 1000, q(0.5), q(0.99)
for label, name in (("dial latency (accepted -> INVITE)", "parley_dial_latency_seconds"),
                    ("setup latency (INVITE -> 180/200)", "parley_setup_latency_seconds")):
    c, mean, p50, p99 = hist(name)
    print(f"{label}: {int(c)} calls, mean {mean:.1f} ms, p50 <= {p50:.1f} ms, p99 <= {p99:.1f} ms (histogram bounds)")
print(f"{done} of {n} calls completed in {wall:.1f} s; server CPU {cpu:.2f} s over that time")
print(f"CPU per live call: {cpu / wall / n * 100:.2f}% of one core (each call ~4.4 s of RTP both ways, plus signalling and bookkeeping)")
PY
