#!/usr/bin/env bash
# CPU per live conversation and the conversation latencies with N concurrent spoken calls (default
# 50), all offline engines real (Sphinx4, FreeTTS, the flow). N baresip softphones register to the
# sandbox, answer, and each speaks an espeak-ng script: "yes" three times with pauses. The assistant
# runs a three-question flow, so each call has four assistant lines and three caller turns.
# Reported: Parley's CPU (its process only, not baresip's) per live call, the greeting's answer-to-
# first-audio time, the response time per turn and its platform share, barge-ins, from /metrics
# and from the calls' own latency records.
#   bench/conversations.sh [calls]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${1:-50}"
PORT=18490; SIP=15490
WORK="$(mktemp -d /tmp/parley-conv.XXXXXX)"
cd "$ROOT"
./parley build
command -v baresip >/dev/null || { echo "needs baresip (apt-get install baresip-core)"; exit 1; }
command -v espeak-ng >/dev/null || { echo "needs espeak-ng and sox"; exit 1; }
PARLEY_SIP_LISTEN="127.0.0.1:$SIP" PARLEY_RTP_PORTS=40000-40999 PARLEY_SPEECH_RECOGNIZERS="${RECOGNIZERS:-2}" \
  ./parley serve --port "$PORT" --data-dir "$WORK/data" > "$WORK/serve.log" 2>&1 &
SERVER=$!
PHONES=()
cleanup() { kill "${PHONES[@]}" 2>/dev/null || true; kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; [[ -n "${KEEP:-}" ]] || rm -rf "$WORK"; }
trap cleanup EXIT
for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null || { echo "parley did not start:"; tail -20 "$WORK/serve.log"; exit 1; }
creds="$(./parley init --json --data-dir "$WORK/data" 2>/dev/null)"
get() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$creds" "$1"; }
WS=$(get workspace_id); ORG=$(get organization_id); KEY=$(get api_key)
H=(-H "workspace: $WS" -H "organization: $ORG" -H "Authorization: Bearer $KEY")
api() { curl -sf "http://127.0.0.1:$PORT$1" "${H[@]}" "${@:2}"; }
PASSWORD=$(api /v1/admin/sandbox | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["password"])')
api /v1/admin/workspace -X PATCH -H 'Content-Type: application/json' \
  -d "{\"limits\":{\"max_concurrent_calls\":$N,\"calls_per_second\":$N}}" > /dev/null
AS=$(api /v1/admin/assistant -X POST -H 'Content-Type: application/json' -d @- <<'JSON' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["assistant_id"])'
{"name": "bench", "config": {"flow": {"steps": [
  {"id": "q1", "say": "Can you make it tomorrow?", "listen": {"intents": [{"name": "yes", "phrases": ["yes"], "goto": "q2"}]}},
  {"id": "q2", "say": "Shall we send you a reminder?", "listen": {"intents": [{"name": "yes", "phrases": ["yes"], "goto": "q3"}]}},
  {"id": "q3", "say": "Is this still your best number?", "listen": {"intents": [{"name": "yes", "phrases": ["yes"], "goto": "bye"}]}},
  {"id": "bye", "end": {"say": "Thank you, goodbye."}}]}}}
JSON
)

# The callee's side: pauses long enough for each question, then "yes".
say() { espeak-ng -v en-us -s 150 -w /dev/stdout "$1" | sox -D -t wav - -r 8000 -c 1 -b 16 "$2"; }
quiet() { sox -n -r 8000 -c 1 -b 16 "$2" trim 0 "$1"; }
say yes "$WORK/yes.wav"; quiet 2.5 "$WORK/p1.wav"; quiet 2.8 "$WORK/p2.wav"; quiet 6 "$WORK/p3.wav"
sox "$WORK/p1.wav" "$WORK/yes.wav" "$WORK/p2.wav" "$WORK/yes.wav" "$WORK/p2.wav" "$WORK/yes.wav" "$WORK/p3.wav" "$WORK/callee.wav"

for i in $(seq 1 "$N"); do
  d="$WORK/phone$i"; mkdir -p "$d"
  number="+1415556$(printf %04d "$i")"
  cat > "$d/config" <<EOF
sip_listen 127.0.0.1:$((21000 + 4 * i))
net_interface 127.0.0.1
module_path /usr/lib/baresip/modules
module g711.so
module aufile.so
module_app account.so
audio_source aufile,$WORK/callee.wav
audio_player aufile,$d/heard.wav
rtp_ports $((30000 + 10 * i))-$((30009 + 10 * i))
EOF
  echo "<sip:$number@127.0.0.1:$SIP;transport=udp>;auth_user=$number;auth_pass=$PASSWORD;regint=600;answermode=auto;audio_codecs=PCMU" > "$d/accounts"
  : > "$d/contacts"
  baresip -4 -f "$d" -t 120 > "$d/log" 2>&1 &
  PHONES+=($!)
done
for _ in $(seq 1 120); do
  n=$(api /v1/admin/sandbox | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]["registered"]))')
  [[ "$n" -ge "$N" ]] && break
  sleep 0.5
done
echo "$n softphones registered"
[[ "$n" -ge "$N" ]] || { echo "only $n of $N softphones registered"; exit 1; }

JPID=$(pgrep -f "dev.parley.cli.Main serve --port $PORT")
ticks() { awk '{print $14+$15}' "/proc/$JPID/stat"; }
t0=$(ticks); s0=$(date +%s%N)
POSTS=()
for i in $(seq 1 "$N"); do
  api /v1/admin/assistant/call -X POST -H 'Content-Type: application/json' \
    -d "{\"assistant_id\":\"$AS\",\"to_number\":\"+1415556$(printf %04d "$i")\"}" > /dev/null &
  POSTS+=($!)
done
wait "${POSTS[@]}"
for _ in $(seq 1 600); do
  live=$(api "/v1/admin/assistant/calls?limit=100" | python3 -c 'import json,sys; print(sum(1 for c in json.load(sys.stdin)["data"]["items"] if c["ended_at"] is None))')
  [[ "$live" -eq 0 ]] && break
  sleep 0.2
done
t1=$(ticks); s1=$(date +%s%N)
api "/v1/admin/assistant/calls?limit=100" > "$WORK/calls.json"
python3 - "$WORK/calls.json" > "$WORK/ids.txt" <<'PY'
import json, sys
for c in json.load(open(sys.argv[1]))["data"]["items"]:
    print(c["call_id"])
PY
: > "$WORK/details.jsonl"
while read -r id; do api "/v1/admin/assistant/call/$id" >> "$WORK/details.jsonl"; echo >> "$WORK/details.jsonl"; done < "$WORK/ids.txt"
metrics=$(curl -s "http://127.0.0.1:$PORT/metrics")
python3 - "$N" "$t0" "$t1" "$s0" "$s1" "$WORK/details.jsonl" <<'PY'
import sys, json, statistics
n, t0, t1, s0, s1, path = int(sys.argv[1]), *map(int, sys.argv[2:6]), sys.argv[6]
calls = [json.loads(l)["data"] for l in open(path) if l.strip()]
wall = (s1 - s0) / 1e9
cpu = (t1 - t0) / 100.0
talk = sum(c["duration_seconds"] or 0 for c in calls)
reasons = {}
for c in calls:
    reasons[c["ended_reason"]] = reasons.get(c["ended_reason"], 0) + 1
greet, total, platform, stt, endpoint = [], [], [], [], []
heard_yes = caller_turns = 0
for c in calls:
    for l in c["latency"]:
        if l["stt_ms"] is None and l["endpointing_ms"] is None:
            greet.append(l["total_ms"])
        elif l["stt_ms"] is not None:
            total.append(l["total_ms"]); platform.append(l["platform_ms"]); stt.append(l["stt_ms"]); endpoint.append(l["endpointing_ms"])
    for t in c["transcript"]:
        if t["speaker"] == "caller":
            caller_turns += 1
            heard_yes += t["text"] == "yes"
def q(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))] if v else float("nan")
rang = sum(1 for c in calls if any(h["status"] == "ringing" for h in c["history"]))
print(f"{len(calls)} calls ended {reasons} in {wall:.1f} s; {rang} of them reported ringing before the answer")
print(f"Parley CPU {cpu:.1f} s over {talk:.0f} s of talk: {100 * cpu / max(talk, 1):.2f}% of one core per live conversation")
print(f"caller turns {caller_turns}, recognized as 'yes': {heard_yes}")
print(f"greeting, answer -> first audio: p50 {q(greet, .5)} ms, p95 {q(greet, .95)} ms (n={len(greet)})")
print(f"turn response, last word -> first audio: p50 {q(total, .5)} ms, p95 {q(total, .95)} ms (n={len(total)})")
print(f"  endpointing p50 {q(endpoint, .5)} ms; recognition (Sphinx4) p50 {q(stt, .5)} ms, p95 {q(stt, .95)} ms")
print(f"  platform share p50 {q(platform, .5)} ms, p95 {q(platform, .95)} ms")
PY
