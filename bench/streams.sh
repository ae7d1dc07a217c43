#!/usr/bin/env bash
# Carriers' media streams (issue 12): greeting (P5) and barge-in (P6) latency over the WebSocket
# transport, heard at a fake Twilio, and Parley's CPU per live stream, in one JVM
# (bench/StreamBench.java: Parley's production wiring with the dialer off, one fake carrier per call).
#   bench/streams.sh [calls...]          # concurrent streams per level; default 1 50 200
#   HOLD=10 bench/streams.sh 50          # seconds each level is held for the CPU window (default 20)
# About 1.5 minutes for the default levels. Every wait is bounded: the whole run stops after 5 minutes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
COUNTS=("$@")
[[ ${#COUNTS[@]} -gt 0 ]] || COUNTS=(1 50 200)
for n in "${COUNTS[@]}"; do
  [[ "$n" =~ ^[0-9]+$ && "$n" -ge 1 && "$n" -le 500 ]] || { echo "calls: 1 to 500 each, got '$n'"; exit 2; }
done
HOLD="${HOLD:-20}"
[[ "$HOLD" =~ ^[0-9]+$ && "$HOLD" -ge 5 && "$HOLD" -le 120 ]] || { echo "HOLD: 5 to 120 seconds"; exit 2; }
cd "$ROOT"
./parley build
JDK="$(./parley jdk)"
export JAVA_HOME="$JDK"
# The fake carrier lives in src/test.
./mvnw -q -B -Dstyle.color=never -o test-compile 2>/dev/null || ./mvnw -q -B -Dstyle.color=never test-compile
CP="target/test-classes:target/classes:$(cat target/runtime.classpath)"
WORK="$(mktemp -d /tmp/parley-streams.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
# Compiled once: launching from source would run javac on the cores being measured.
"$JDK/bin/javac" -d "$WORK" -cp "$CP" bench/StreamBench.java

commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench || echo '+changes')"
echo "streams: calls ${COUNTS[*]}, hold ${HOLD}s, commit $commit"
echo "  machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), JDK $("$JDK/bin/java" -version 2>&1 | head -1)"
rc=0
PARLEY_LOG_LEVEL=WARN timeout 300 "$JDK/bin/java" -Dhold="$HOLD" -cp "$WORK:$CP" StreamBench "${COUNTS[@]}" \
  2> "$WORK/stderr.log" || rc=$?
warnings=$(grep -c ' WARN \| ERROR ' "$WORK/stderr.log" || true)
echo "  Parley's log: $warnings warnings/errors"
[[ "$warnings" -gt 0 ]] && sed -n 's/^[0-9:.]* \(WARN\|ERROR\) *\[[^]]*\] \([^ ]*\) [^-]*- /\1 \2 /p' "$WORK/stderr.log" \
  | sort | uniq -c | sort -rn | head -5
echo "  machine after: load $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ $rc -ne 0 ]]; then
  echo "the benchmark exited $rc; the end of its log:"; tail -20 "$WORK/stderr.log"; exit "$rc"
fi
