#!/usr/bin/env bash
# Concurrent live calls per core: N answered calls held for a window, in two modes.
#   media: the media path alone (bench/LiveMedia.java: RtpSession + Conversation with fixed fakes, no
#          recognizer) in one JVM, against a far end in another process (bench/LiveFarEnd.java).
#   full:  ./parley serve on a fresh embedded database with the offline stack (Sphinx4, FreeTTS, a flow
#          that keeps listening), calls placed through the HTTP API, LiveFarEnd as the SIP trunk.
# The far end sends speech as G.711 RTP every 20 ms and timestamps every packet Parley sends back.
# Per (mode, N): Parley's CPU per live call over the window, calls per core at that figure, send
# pacing error at the receiver, lost packets, 20 ms slots with no packet, heap per call.
#   bench/live-calls.sh [--mode media|full|both] [--calls 50,200,500] [--hold 60] [--settle 5] [--jfr] [--wire]
#                       [--keep]
#   bench/live-calls.sh --mode media --calls 50 --hold 10      # a quick development run
# --jfr profiles Parley's JVM over the window (top frames printed); --wire also captures Parley's
# packets on the loopback with tcpdump and times them by the kernel's timestamps (taken as Parley
# sends on lo), which the far end's own scheduling cannot delay.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODE=both; COUNTS=50,200,500; HOLD=60; SETTLE=5; JFR=""; KEEP=""; WIRE=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --mode) MODE="$2"; shift 2 ;;
    --calls) COUNTS="$2"; shift 2 ;;
    --hold) HOLD="$2"; shift 2 ;;
    --settle) SETTLE="$2"; shift 2 ;;
    --jfr) JFR=1; shift ;;
    --wire) WIRE=1; shift ;;
    --keep) KEEP=1; shift ;;
    *) sed -n '2,16p' "$0"; exit 2 ;;
  esac
done
[[ "$MODE" =~ ^(media|full|both)$ ]] || { echo "--mode is media, full or both"; exit 2; }
IFS=, read -r -a NS <<< "$COUNTS"
for n in "${NS[@]}"; do [[ "$n" =~ ^[0-9]+$ && "$n" -ge 1 && "$n" -le 1000 ]] || { echo "--calls: 1 to 1000 each"; exit 2; }; done
[[ "$HOLD" =~ ^[0-9]+$ && "$HOLD" -ge 5 && "$HOLD" -le 600 ]] || { echo "--hold: 5 to 600 seconds"; exit 2; }
[[ "$SETTLE" =~ ^[0-9]+$ && "$SETTLE" -ge 3 && "$SETTLE" -le 60 ]] || { echo "--settle: 3 to 60 seconds"; exit 2; }
[[ -z "$WIRE" ]] || command -v tcpdump >/dev/null || { echo "--wire needs tcpdump (apt-get install tcpdump)"; exit 1; }
FAR_PORTS=24000  # the far end's RTP ports: 24000 and up, so a capture filter can name them
command -v sox >/dev/null || { echo "needs sox (apt-get install sox)"; exit 1; }

WORK="$(mktemp -d /tmp/parley-live.XXXXXX)"
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
# Compile once: launching from source would run javac on the cores being measured.
mkdir -p "$WORK/tools"
"$JDK/bin/javac" -d "$WORK/tools" bench/LiveFarEnd.java
"$JDK/bin/javac" -d "$WORK/tools" -cp "target/classes:$CP" bench/LiveMedia.java

# The caller's side: 4 s of silence, "yes", silence to 12 s, looped (each call starts at a random
# point of it). The assistant's prompt (media mode's pre-made voice). A tone if espeak-ng is missing.
say() { # text out.wav
  if command -v espeak-ng >/dev/null; then
    espeak-ng -v en-us -s 150 -w /dev/stdout "$1" | sox -D -t wav - -r 8000 -c 1 -b 16 "$2"
  else
    sox -D -n -r 8000 -c 1 -b 16 "$2" synth 0.6 sine 440 vol 0.3
  fi
}
say "yes" "$WORK/yes.wav"
say "Thank you, I have noted that. Is there anything else?" "$WORK/prompt.wav"
sox -D -n -r 8000 -c 1 -b 16 "$WORK/lead.wav" trim 0 4
sox -D "$WORK/lead.wav" "$WORK/yes.wav" "$WORK/caller.wav" pad 0 8 trim 0 12
sox -D "$WORK/caller.wav" -t raw -e u-law -b 8 "$WORK/caller.ulaw"
sox -D "$WORK/prompt.wav" -t raw -e signed -b 16 -L "$WORK/prompt.s16"
VOICE=$(command -v espeak-ng >/dev/null && echo "espeak-ng speech" || echo "a 440 Hz tone (espeak-ng missing)")

commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench || echo '+changes')"
echo "live-calls: mode=$MODE calls=$COUNTS hold=${HOLD}s settle=${SETTLE}s jfr=${JFR:-off} wire=${WIRE:-off} commit=$commit"
echo "  machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), JDK $("$JDK/bin/java" -version 2>&1 | head -1)"
echo "  caller: $(soxi -D "$WORK/caller.wav") s loop of $VOICE; prompt $(soxi -D "$WORK/prompt.wav") s"

now_ms() { date +%s%3N; }
sleep_until_ms() { local d=$(( $1 - $(now_ms) )); (( d > 0 )) && sleep "$(printf '%d.%03d' $((d / 1000)) $((d % 1000)))"; return 0; }
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
# CPU per thread group (names with digits folded), user and system jiffies: where the time goes.
threads() {
  python3 - "$1" <<'PY'
import os, re, sys, json
out = {}
base = f"/proc/{sys.argv[1]}/task"
for t in (os.listdir(base) if os.path.isdir(base) else []):
    try:
        comm = open(f"{base}/{t}/comm").read().strip()
        f = open(f"{base}/{t}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        continue
    k = re.sub(r"\d+", "#", comm)
    u, s = out.get(k, (0, 0))
    out[k] = (u + int(f[11]), s + int(f[12]))
print(json.dumps(out))
PY
}
heap_after_gc() { # pid -> MB in use after a full GC
  "$JDK/bin/jcmd" "$1" GC.run > /dev/null
  "$JDK/bin/jcmd" "$1" GC.heap_info | grep -o 'used [0-9]*K' | head -1 | awk '{print $2 / 1024}' | tr -d K
}
jfr_summary() { # file
  "$JDK/bin/jfr" print --events jdk.ExecutionSample --stack-depth 64 "$1" > "$1.txt"
  python3 - "$1.txt" <<'PY'
import re, sys, collections
top, mine, threads = collections.Counter(), collections.Counter(), collections.Counter()
n = 0
frames, thread = [], None
def done():
    global n
    if not frames:
        return
    n += 1
    top[frames[0]] += 1
    own = next((f for f in frames if f.startswith("dev.parley.")), None)
    mine[own or "(no dev.parley frame)"] += 1
    threads[re.sub(r"\d+", "#", thread or "?")] += 1
for line in open(sys.argv[1]):
    s = line.strip()
    if s.startswith("jdk.ExecutionSample"):
        done(); frames, thread = [], None
    elif s.startswith("sampledThread"):
        m = re.search(r'"([^"]*)"', s); thread = m.group(1) if m else "?"
    elif re.match(r"^[\w$.]+\.[\w$<>]+\(.*\)", s):
        frames.append(re.sub(r"\s+line:.*", "", s))
done()
print(f"    JFR execution samples recorded: {n}")
for title, c in (("top frames", top), ("nearest dev.parley frame", mine), ("threads", threads)):
    print(f"    by {title}:")
    for k, v in c.most_common(12):
        print(f"      {100 * v / max(n, 1):5.1f}%  {k}")
PY
}

RESULTS="$WORK/results.jsonl"; : > "$RESULTS"
CAPTURE=""
capture_start() { # dir calls
  [[ -n "$WIRE" ]] || return 0
  tcpdump -i lo -n -q -B 65536 -s 64 --time-stamp-precision=nano -w "$1/wire.pcap" \
    "udp and dst portrange $FAR_PORTS-$((FAR_PORTS + $2 + 999))" 2> "$1/tcpdump.log" &
  CAPTURE=$!; PIDS+=("$CAPTURE")
}
capture_stop() { # dir start-ms end-ms
  [[ -n "$WIRE" && -n "$CAPTURE" ]] || return 0
  sleep 0.5; kill -INT "$CAPTURE" 2>/dev/null || true; wait "$CAPTURE" 2>/dev/null || true; CAPTURE=""
  python3 - "$1/wire.pcap" "$2" "$3" > "$1/wire.json" <<'PY'
# Parley's packets as the kernel saw them leave (lo: captured in the sender's own send call), the
# same figures as the far end computes: pacing between consecutive packets, lost, slots.
import json, struct, sys
path, start, end = sys.argv[1], int(sys.argv[2]) * 1_000_000, int(sys.argv[3]) * 1_000_000
data = open(path, "rb").read()
magic = struct.unpack_from("<I", data, 0)[0]
assert magic == 0xA1B23C4D, "expected a nanosecond pcap"
link = struct.unpack_from("<I", data, 20)[0]
lhdr = {1: 14, 0: 4, 113: 16}[link]
calls, off = {}, 24
while off + 16 <= len(data):
    sec, frac, incl, _ = struct.unpack_from("<IIII", data, off)
    p = off + 16 + lhdr
    off += 16 + incl
    t = sec * 1_000_000_000 + frac
    if t < start or t > end:
        continue
    ihl = (data[p] & 0x0F) * 4
    u = p + ihl
    dport = struct.unpack_from(">H", data, u + 2)[0]
    r = u + 8
    if r + 12 > off:
        continue
    seq, ts = struct.unpack_from(">HI", data, r + 2)
    calls.setdefault(dport, []).append((t, seq, ts))
pooled, worst, lost, received = [], [], 0, 0
for pkts in calls.values():
    own = []
    received += len(pkts)
    for (t0, s0, ts0), (t1, s1, ts1) in zip(pkts, pkts[1:]):
        ds = (s1 - s0) & 0xFFFF
        if ds == 0 or ds > 0x8000:
            continue
        lost += ds - 1
        if ds == 1 and ((ts1 - ts0) & 0xFFFFFFFF) == 160:
            own.append(abs(t1 - t0 - 20_000_000))
    own.sort()
    if own:
        worst.append(own[min(len(own) - 1, int(len(own) * 0.99))])
    pooled += own
pooled.sort()
q = lambda v, p: round(v[min(len(v) - 1, int(len(v) * p))] / 1e6, 3) if v else None
print(json.dumps({"calls": len(calls), "packets": received, "lost": lost, "pairs": len(pooled),
                  "pacing_ms": {"p50": q(pooled, .5), "p99": q(pooled, .99), "max": q(pooled, 1.0)},
                  "worst_call_p99_ms": q(sorted(worst), 1.0)}))
PY
  grep -h "dropped by kernel" "$1/tcpdump.log" | sed 's/^/  tcpdump: /' || true
  rm -f "$1/wire.pcap"
}
merge_wire() { # dir: adds the capture's figures to the last result line
  [[ -f "$1/wire.json" ]] || return 0
  python3 - "$RESULTS" "$1/wire.json" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
last = json.loads(lines[-1]); last["wire"] = json.load(open(sys.argv[2]))
lines[-1] = json.dumps(last)
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY
}

run_media() { # calls
  local n=$1 d="$WORK/media-$1"; mkdir -p "$d"
  echo "== media, $n calls: hold ${HOLD}s after ${SETTLE}s settle"
  # The far end is the measuring instrument: it runs at a higher priority than Parley and the rest.
  nice -n -10 "$JDK/bin/java" -cp "$WORK/tools" LiveFarEnd --calls "$n" --dir "$d" --speech "$WORK/caller.ulaw" --media --port-base $FAR_PORTS \
    --max-seconds $((HOLD + 240)) > "$d/far.log" 2>&1 &
  local far=$!; PIDS+=("$far")
  local jfr=(); [[ -n "$JFR" ]] && jfr=(--jfr "$d/media.jfr")
  "$JDK/bin/java" -cp "$WORK/tools:target/classes:$CP" LiveMedia --calls "$n" --dir "$d" --prompt "$WORK/prompt.s16" \
    --max-seconds $((HOLD + 240)) "${jfr[@]}" > "$d/media.log" 2>&1 &
  local srv=$!; PIDS+=("$srv")
  for _ in $(seq 1 600); do [[ -f "$d/server-ports" ]] && break; sleep 0.1; done
  [[ -f "$d/server-ports" ]] || { echo "media side did not open its calls:"; tail -20 "$d/media.log"; return 1; }
  local start=$(( $(now_ms) + SETTLE * 1000 )); local end=$(( start + HOLD * 1000 ))
  echo "$start $end" > "$d/window"
  capture_start "$d" "$n"
  sleep_until_ms "$start"; threads "$srv" > "$d/threads0.json"
  sleep_until_ms "$end"; threads "$srv" > "$d/threads1.json"
  capture_stop "$d" "$start" "$end"
  wait "$srv" || { echo "media side failed:"; tail -20 "$d/media.log"; }
  wait "$far" || { echo "far end failed:"; tail -20 "$d/far.log"; }
  [[ -f "$d/server-report.json" && -f "$d/far-report.json" ]] || { echo "media, $n calls: no report"; return 1; }
  python3 - media "$n" "$d/server-report.json" "$d/far-report.json" "$d/threads0.json" "$d/threads1.json" >> "$RESULTS" <<'PY'
import json, sys
mode, n, srv, far, t0, t1 = sys.argv[1], int(sys.argv[2]), *(json.load(open(a)) for a in sys.argv[3:7])
print(json.dumps({"mode": mode, "n": n, "live": srv["calls"], "window_s": srv["window_s"], "cpu_s": srv["cpu_s"],
                  "heap_per_call_mb": (srv["heap_live_mb"] - srv["heap_before_mb"]) / n, "server": srv, "far": far,
                  "threads": {k: [v[0] - t0.get(k, [0, 0])[0], v[1] - t0.get(k, [0, 0])[1]] for k, v in t1.items()}}))
PY
  merge_wire "$d"
  [[ -n "$JFR" && -f "$d/media.jfr" ]] && jfr_summary "$d/media.jfr"
  return 0
}

run_full() { # calls
  local n=$1 d="$WORK/full-$1"; mkdir -p "$d"
  local port=18680 sip=15680 trunk=15681
  echo "== full, $n calls: hold ${HOLD}s after ${SETTLE}s settle"
  nice -n -10 "$JDK/bin/java" -cp "$WORK/tools" LiveFarEnd --calls "$n" --dir "$d" --speech "$WORK/caller.ulaw" --sip "$trunk" --port-base $FAR_PORTS \
    --max-seconds $((HOLD + 600)) > "$d/far.log" 2>&1 &
  local far=$!; PIDS+=("$far")
  PARLEY_SIP_LISTEN="127.0.0.1:$sip" PARLEY_SIP_TRUNK="127.0.0.1:$trunk" PARLEY_RTP_PORTS=22000-23999 \
    PARLEY_DIALER_MAX_CALLS=$((n + 10)) ./parley serve --port "$port" --data-dir "$d/data" > "$d/serve.log" 2>&1 &
  local server=$!; PIDS+=("$server")
  for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { echo "parley did not start:"; tail -20 "$d/serve.log"; kill "$server" "$far" 2>/dev/null; return 1; }
  local creds; creds="$(./parley init --json --data-dir "$d/data" 2>/dev/null)"
  get() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$creds" "$1"; }
  local H=(-H "workspace: $(get workspace_id)" -H "organization: $(get organization_id)" -H "Authorization: Bearer $(get api_key)")
  api() { curl -sf "http://127.0.0.1:$port$1" "${H[@]}" "${@:2}"; }
  api /v1/admin/workspace -X PATCH -H 'Content-Type: application/json' \
    -d "{\"limits\":{\"max_concurrent_calls\":$n,\"calls_per_second\":25},\"calling_window\":null}" > /dev/null
  # A flow that keeps listening: every "yes" and every silence comes back to the same question.
  local as; as=$(api /v1/admin/assistant -X POST -H 'Content-Type: application/json' -d @- <<'JSON' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["assistant_id"])'
{"name": "live", "config": {"max_duration_seconds": 3600, "flow": {"steps": [
  {"id": "ask", "say": "Thank you, I have noted that. Is there anything else?",
   "listen": {"intents": [{"name": "yes", "phrases": ["yes"], "goto": "ask"}],
              "no_match": {"retries": 5, "goto": "ask"}, "no_input": {"retries": 5, "timeout_seconds": 15, "goto": "ask"}}}]}}}
JSON
)
  local jpid; jpid=$(pgrep -f "dev.parley.cli.Main serve --port $port")
  for _ in $(seq 1 120); do
    curl -s "http://127.0.0.1:$port/metrics" | grep -q '^parley_speech_recognizers{state="free"} [1-9]' && break
    sleep 0.5
  done
  local before; before=$(heap_after_gc "$jpid")
  seq -f '%04g' 1 "$n" | xargs -P 16 -I{} curl -sf "http://127.0.0.1:$port/v1/admin/assistant/call" "${H[@]}" \
    -H 'Content-Type: application/json' -d "{\"assistant_id\":\"$as\",\"to_number\":\"+1415555{}\"}" -o /dev/null
  local live=0
  for _ in $(seq 1 $((600 + n))); do
    live=$(awk '{print $2}' "$d/status" 2>/dev/null || echo 0)
    [[ "$live" -ge "$n" ]] && break
    sleep 0.2
  done
  echo "  $live of $n calls up; $(cat "$d/status" 2>/dev/null) (answered live ended-by-parley)"
  local start=$(( $(now_ms) + SETTLE * 1000 )); local end=$(( start + HOLD * 1000 ))
  echo "$start $end" > "$d/window"
  capture_start "$d" "$n"
  sleep_until_ms "$start"
  local t0; t0=$(ticks "$jpid"); threads "$jpid" > "$d/threads0.json"
  curl -s "http://127.0.0.1:$port/metrics" | grep -E '^parley_(rtp|speech_recognizer_waits)' > "$d/metrics0.txt" || true
  [[ -n "$JFR" ]] && "$JDK/bin/jcmd" "$jpid" JFR.start name=live settings=profile > /dev/null
  sleep_until_ms "$end"
  local t1; t1=$(ticks "$jpid"); threads "$jpid" > "$d/threads1.json"
  curl -s "http://127.0.0.1:$port/metrics" | grep -E '^parley_(rtp|speech_recognizer_waits)' > "$d/metrics1.txt" || true
  [[ -n "$JFR" ]] && "$JDK/bin/jcmd" "$jpid" JFR.stop name=live filename="$d/full.jfr" > /dev/null
  capture_stop "$d" "$start" "$end"
  local after; after=$(heap_after_gc "$jpid")
  wait "$far" || { echo "far end failed:"; tail -20 "$d/far.log"; }
  [[ -f "$d/far-report.json" ]] || { echo "full, $n calls: no report"; kill "$server" "$far" 2>/dev/null; return 1; }
  sleep 2
  python3 - full "$n" "$d/far-report.json" "$t0" "$t1" "$before" "$after" "$HOLD" "$d/threads0.json" "$d/threads1.json" "$live" "$d/metrics0.txt" "$d/metrics1.txt" >> "$RESULTS" <<'PY'
import json, sys
def metrics(path):
    m = {}
    for line in open(path):
        k, v = line.rsplit(" ", 1)
        m[k] = float(v)
    return m
m0, m1 = metrics(sys.argv[12]), metrics(sys.argv[13])
delta = {k: m1[k] - m0.get(k, 0) for k in m1}
mode, n, far = sys.argv[1], int(sys.argv[2]), json.load(open(sys.argv[3]))
t0, t1, before, after, hold = int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7]), float(sys.argv[8])
th0, th1 = json.load(open(sys.argv[9])), json.load(open(sys.argv[10]))
live = int(sys.argv[11])
print(json.dumps({"mode": mode, "n": n, "live": live, "window_s": far["window_s"], "cpu_s": (t1 - t0) / 100.0,
                  "heap_per_call_mb": (after - before) / max(live, 1), "server": {"heap_before_mb": before, "heap_live_mb": after,
                  "rtp_in": delta.get('parley_rtp_packets_total{direction="in"}', 0), "rtp_out": delta.get('parley_rtp_packets_total{direction="out"}', 0),
                  "rtp_lost_in": delta.get("parley_rtp_packets_lost_total", 0), "rtp_late_in": delta.get("parley_rtp_packets_late_total", 0),
                  "recognizer_waits_timed_out": delta.get("parley_speech_recognizer_waits_timed_out_total", 0)},
                  "far": far, "threads": {k: [v[0] - th0.get(k, [0, 0])[0], v[1] - th0.get(k, [0, 0])[1]] for k, v in th1.items()}}))
PY
  merge_wire "$d"
  [[ -n "$JFR" && -f "$d/full.jfr" ]] && jfr_summary "$d/full.jfr"
  kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true
  return 0
}

for n in "${NS[@]}"; do
  [[ "$MODE" == full ]] || run_media "$n" || echo "media, $n calls: failed (kept nothing of it in the table)"
  sleep 2
done
if [[ "$MODE" != media ]]; then
  for n in "${NS[@]}"; do run_full "$n" || echo "full, $n calls: failed (kept nothing of it in the table)"; sleep 2; done
fi

python3 - "$RESULTS" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def wire(r):
    w = r.get("wire")
    if not w or w["pacing_ms"]["p50"] is None:
        return "-"
    p = w["pacing_ms"]
    return f"{p['p50']:.2f} / {p['p99']:.2f} / {p['max']:.1f}"
print()
print("| mode | calls up | Parley CPU (cores) | CPU per call (% of a core) | calls per core | pacing error at the receiver p50 / p99 / max (ms) | worst call's p99 (ms) | same on the wire p50 / p99 / max (ms) | lost from / to Parley | no-packet slots | of which not sent | heap per call (MB) | far end's own lateness p99 (ms) |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for r in rows:
    f = r["far"]
    live = max(r["live"], 1)
    per = r["cpu_s"] / r["window_s"] / live
    p = f["pacing_ms"]
    slots = max(f["slots"], 1)
    print(f"| {r['mode']} | {r['live']}/{r['n']} | {r['cpu_s'] / r['window_s']:.2f} | {100 * per:.3f} | {1 / per if per > 0 else float('inf'):.0f} "
          f"| {p['p50']:.2f} / {p['p99']:.2f} / {p['max']:.1f} | {f['per_call_p99_ms']['max']:.1f} | {wire(r)} | {f['lost']} / {r['server'].get('rtp_lost_in', 0):.0f} "
          f"| {f['no_packet_slots']} of {f['slots']} ({100 * f['no_packet_slots'] / slots:.1f}%) "
          f"| {max(0, f['no_packet_slots'] - f['lost'])} | {r['heap_per_call_mb']:.2f} | {f['far_end_send_lateness_ms']['p99']:.2f} |")
print()
for r in rows:
    f, s = r["far"], r["server"]
    print(f"{r['mode']} {r['n']}: window {r['window_s']:.1f} s, CPU {r['cpu_s']:.2f} s; received {f['received']} packets "
          f"({f['pacing_samples']} consecutive pairs timed, {f['duplicates']} duplicates, {f['skipped_slots']} slots skipped between two packets by RTP timestamp); calls ended by Parley in the window: {f['ended_by_parley']}; "
          f"heap after GC {s.get('heap_before_mb', 0):.0f} MB before, {s.get('heap_live_mb', 0):.0f} MB live")
    if r.get("wire"):
        w = r["wire"]
        print(f"    on the wire: {w['packets']} packets to {w['calls']} calls, {w['pairs']} consecutive pairs timed, lost {w['lost']}, worst call's p99 {w['worst_call_p99_ms']} ms")
    if "rtp_in" in s:
        print(f"    Parley's RTP in the window: in {s['rtp_in']:.0f} (lost {s['rtp_lost_in']:.0f}, late {s['rtp_late_in']:.0f}), out {s['rtp_out']:.0f}; "
              f"far end's send drops {f['far_end_send_drops']}, far end's CPU {f.get('far_end_cpu_s', 0):.1f} s" + (f"; recognizer waits timed out {s['recognizer_waits_timed_out']:.0f}" if "recognizer_waits_timed_out" in s else ""))
    if "caller_turns" in s:
        print(f"    media side, whole run: caller turns {s['caller_turns']}, assistant turns {s['assistant_turns']}, recordings {s['recording_mb']:.0f} MB")
    th = sorted(r["threads"].items(), key=lambda kv: -(kv[1][0] + kv[1][1]))[:6]
    total = sum(u + s_ for u, s_ in r["threads"].values()) or 1
    print("    CPU by thread (user+system jiffies): " + ", ".join(f"{k} {100 * (u + s_) / total:.0f}% (sys {100 * s_ / max(u + s_, 1):.0f}%)" for k, (u, s_) in th))
PY
