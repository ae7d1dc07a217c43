#!/usr/bin/env bash
# Soak (issue 15 item 4): one `parley serve` node (embedded PostgreSQL, the default) at a steady
# concurrency with call churn for a bounded time, sampled every few seconds; then each resource's
# slope (least squares, per hour) and whether it is flat, calls stuck in a non-final state (from the
# database, must be 0), calls completed, errors, webhooks written against received.
#   bench/faults/soak.sh [--minutes 30] [--calls 24] [--sample 10] [--warmup 120] [--nmt] [--keep]
#   bench/faults/soak.sh --minutes 2 --warmup 30      # a development run
# SIPp is the trunk: it answers, plays a 12 s speech loop (silence, "yes", silence) as PCMU every
# 20 ms and hangs up after 3 to 60 s (uniform); the driver (Soak.java) creates a new call through
# POST /v1/admin/assistant/call as each one ends. Reports go to bench/faults/reports/ (Markdown +
# JSON, named soak-<date>-<commit>); the command exits 1 when a promise is broken. --nmt turns on the
# JVM's native memory tracking and writes its growth by category after the warm-up (.nmt.txt).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MINUTES=30; CALLS=24; SAMPLE=10; WARMUP=120; KEEP=""; NMT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --minutes) MINUTES="$2"; shift 2 ;;
    --calls) CALLS="$2"; shift 2 ;;
    --sample) SAMPLE="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --nmt) NMT=1; shift ;;
    *) sed -n '2,12p' "$0"; exit 2 ;;
  esac
done
[[ "$MINUTES" =~ ^[0-9]+$ && "$MINUTES" -ge 1 && "$MINUTES" -le 240 ]] || { echo "--minutes: 1 to 240"; exit 2; }
[[ "$CALLS" =~ ^[0-9]+$ && "$CALLS" -ge 1 && "$CALLS" -le 200 ]] || { echo "--calls: 1 to 200"; exit 2; }
[[ "$SAMPLE" =~ ^[0-9]+$ && "$SAMPLE" -ge 2 && "$SAMPLE" -le 60 ]] || { echo "--sample: 2 to 60 seconds"; exit 2; }
[[ "$WARMUP" =~ ^[0-9]+$ && "$WARMUP" -lt $((MINUTES * 60 - 3 * SAMPLE)) ]] || { echo "--warmup: seconds, leaving at least 3 samples"; exit 2; }
command -v sipp >/dev/null || { echo "needs SIPp (apt-get install sip-tester)"; exit 1; }
command -v sox >/dev/null || { echo "needs sox (apt-get install sox)"; exit 1; }
PORT=18780; SIP=15780; TRUNK=15781; SINK=18781; SIPP_MEDIA=26000

WORK="$(mktemp -d /tmp/parley-soak.XXXXXX)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [[ -n "$KEEP" ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
cd "$ROOT"
./parley build
JDK="$(./parley jdk)"
CP="$(cat target/runtime.classpath)"
mkdir -p "$WORK/tools" "$WORK/run" bench/faults/reports
"$JDK/bin/javac" -d "$WORK/tools" -cp "$CP" bench/WebhookSink.java bench/faults/Soak.java bench/faults/SoakSampler.java \
  bench/faults/SoakReport.java src/test/java/dev/parley/support/Trend.java src/test/java/dev/parley/support/StuckCalls.java

# The caller's loop: 4 s of silence, "yes", silence to 12 s (a tone if espeak-ng is missing).
if command -v espeak-ng >/dev/null; then
  espeak-ng -v en-us -s 150 -w /dev/stdout "yes" | sox -D -t wav - -r 8000 -c 1 -b 16 "$WORK/yes.wav"
else
  sox -D -n -r 8000 -c 1 -b 16 "$WORK/yes.wav" synth 0.6 sine 440 vol 0.3
fi
sox -D -n -r 8000 -c 1 -b 16 "$WORK/lead.wav" trim 0 4
sox -D "$WORK/lead.wav" "$WORK/yes.wav" "$WORK/caller.wav" pad 0 8 trim 0 12
sox -D "$WORK/caller.wav" -t raw -e u-law -b 8 "$WORK/caller.ulaw"

others="$(ps -eo pcpu,comm --sort=-pcpu --no-headers | head -6 | awk '{printf "%s %s%%, ", $2, $1}' | sed 's/, $//')"
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"

"$JDK/bin/java" -cp "$WORK/tools" WebhookSink "$SINK" > "$WORK/sink.log" 2>&1 &
PIDS+=("$!")
# SIPp bounded by count and time; it runs in the work dir, where rtp_stream finds caller.ulaw.
(cd "$WORK" && exec sipp -sf "$ROOT/bench/faults/sipp/uas-churn.xml" -i 127.0.0.1 -p "$TRUNK" -mp "$SIPP_MEDIA" -m 100000 \
  -nostdin -default_behaviors all,-abortunexp -timeout "$((MINUTES * 60 + 600))s" -trace_err -error_file "$WORK/sipp-errors.log" > "$WORK/sipp.log" 2>&1) &
PIDS+=("$!")
PARLEY_JAVA_OPTS="${NMT:+-XX:NativeMemoryTracking=summary}" PARLEY_SIP_LISTEN="127.0.0.1:$SIP" PARLEY_SIP_TRUNK="127.0.0.1:$TRUNK" PARLEY_RTP_PORTS=22000-23999 \
  PARLEY_DIALER_MAX_CALLS=$((CALLS + 10)) ./parley serve --port "$PORT" --data-dir "$WORK/data" > "$WORK/serve.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null || { echo "parley did not start:"; tail -20 "$WORK/serve.log"; exit 1; }
JPID=$(pgrep -f "dev.parley.cli.Main serve --port $PORT")
creds="$(./parley init --json --data-dir "$WORK/data" 2>/dev/null)"
get() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$creds" "$1"; }
WS=$(get workspace_id); ORG=$(get organization_id); KEY=$(get api_key)
H=(-H "workspace: $WS" -H "organization: $ORG" -H "Authorization: Bearer $KEY")
api() { curl -sf "http://127.0.0.1:$PORT$1" "${H[@]}" -H 'Content-Type: application/json' "${@:2}"; }
# Concurrency above the driver's, no daily caps (a 30-minute soak makes over a thousand calls).
api /v1/admin/workspace -X PATCH -d "{\"webhook_url\": \"http://127.0.0.1:$SINK/hook\", \"limits\": {\"max_concurrent_calls\": $((CALLS + 10)),
  \"calls_per_second\": 25, \"max_calls_per_day\": null, \"max_call_minutes_per_day\": null}}" > /dev/null
# Calling hours, where this build has them, do not apply to test trunks.
api /v1/admin/workspace -X PATCH -d '{"calling_window": null}' > /dev/null 2>&1 || true
# A flow that keeps the call: asks, listens for "yes" and comes back to itself; the callee hangs up.
AS=$(api /v1/admin/assistant -X POST -d @- <<'JSON' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["assistant_id"])'
{"name": "soak", "config": {"max_duration_seconds": 600, "flow": {"steps": [
  {"id": "ask", "say": "Thank you. Anything else?",
   "listen": {"intents": [{"name": "yes", "phrases": ["yes"], "goto": "ask"}],
              "no_match": {"retries": 5, "goto": "ask"}, "no_input": {"retries": 5, "timeout_seconds": 10, "goto": "ask"}}}]}}}
JSON
)
# Measure calls, not start-up: wait for the node's recognizers.
for _ in $(seq 1 120); do
  curl -s "http://127.0.0.1:$PORT/metrics" | grep -q '^parley_speech_recognizers{state="free"} [1-9]' && break
  sleep 0.5
done
JDBC="jdbc:postgresql://127.0.0.1:$(sed -n 4p "$WORK/data/postgres/postmaster.pid")/parley"
commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench || echo '+changes')"
echo "soak: $MINUTES min, $CALLS calls in flight, sample every ${SAMPLE}s, warm-up ${WARMUP}s, commit $commit; node pid $JPID"
"$JDK/bin/java" -cp "$WORK/tools:$CP" Soak --base "http://127.0.0.1:$PORT" --workspace "$WS" --organization "$ORG" --key "$KEY" \
  --assistant "$AS" --calls "$CALLS" --seconds "$((MINUTES * 60))" --sample "$SAMPLE" --pid "$JPID" --jdbc "$JDBC" \
  --sink "http://127.0.0.1:$SINK" --jcmd "$JDK/bin/jcmd" --warmup "$WARMUP" ${NMT:+--nmt "$WORK/run/nmt.txt"} --out "$WORK/run"

stamp="$(date -u +%Y-%m-%dT%H%MZ)"
python3 - "$WORK/meta.json" <<PY
import json, sys
json.dump({"date": "$stamp", "commit": "$commit", "minutes": $MINUTES, "sample_s": $SAMPLE,
           "machine": "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/{print $2}') GB, $(uname -sr), $("$JDK/bin/java" -version 2>&1 | head -1 | tr -d '"')",
           "database": "embedded PostgreSQL (zonky, under the data dir)",
           "load_start": "$load_start", "load_end": "$(cut -d' ' -f1-3 /proc/loadavg)", "others": "$others",
           "log_errors": "$(grep -c ' ERROR ' "$WORK/serve.log" || true)", "log_warns": "$(grep -c ' WARN ' "$WORK/serve.log" || true)"}, open(sys.argv[1], "w"))
PY
grep -E ' (ERROR|WARN) ' "$WORK/serve.log" | sed -E 's/^[0-9:.]+ //' | sort | uniq -c | sort -rn | head -10 || true
status=0
"$JDK/bin/java" -cp "$WORK/tools:$CP" SoakReport "$WORK/run" "$WARMUP" "$WORK/meta.json" "bench/faults/reports/soak-$stamp-$commit" || status=$?
cp "$WORK/run/samples.jsonl" "bench/faults/reports/soak-$stamp-$commit.samples.jsonl"
[[ -z "$NMT" || ! -f "$WORK/run/nmt.txt" ]] || cp "$WORK/run/nmt.txt" "bench/faults/reports/soak-$stamp-$commit.nmt.txt"
exit $status
