#!/usr/bin/env bash
# Issue 11's P4-P6 for the network providers: platform-added latency per turn, first audio after the
# answer, and barge-in stop time, with the real OpenAI, Deepgram and ElevenLabs providers talking to
# the wire-level fakes of src/test on loopback at fixed delays, one JVM (bench/AiTurnBench.java).
#   bench/ai-turns.sh [calls...]          # concurrent calls per level; default 1 20 100
#   TURNS=4 bench/ai-turns.sh 20          # caller turns per call (every other one a barge-in)
# About 2.5 minutes for the default levels on 2 cores. Needs espeak-ng and sox for speech (a tone
# without them). Every loop is bounded: the program gives up on a level's calls after its own
# deadline and the whole run after 10 minutes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
COUNTS=("$@")
[[ ${#COUNTS[@]} -gt 0 ]] || COUNTS=(1 20 100)
for n in "${COUNTS[@]}"; do
  [[ "$n" =~ ^[0-9]+$ && "$n" -ge 1 && "$n" -le 300 ]] || { echo "calls: 1 to 300 each, got '$n'"; exit 2; }
done
TURNS="${TURNS:-4}"
[[ "$TURNS" =~ ^[0-9]+$ && "$TURNS" -ge 2 && "$TURNS" -le 20 ]] || { echo "TURNS: 2 to 20"; exit 2; }
cd "$ROOT"
./parley build
JDK="$(./parley jdk)"
export JAVA_HOME="$JDK"
# The fakes live in src/test; they need only the runtime dependencies besides the test classes.
./mvnw -q -B -Dstyle.color=never -o test-compile 2>/dev/null || ./mvnw -q -B -Dstyle.color=never test-compile
CP="target/test-classes:target/classes:$(cat target/runtime.classpath)"
WORK="$(mktemp -d /tmp/parley-ai-turns.XXXXXX)"
trap '[[ -n "${KEEP:-}" ]] && echo "kept $WORK" || rm -rf "$WORK"' EXIT
# Compiled once: launching from source would run javac on the cores being measured.
"$JDK/bin/javac" -d "$WORK" -cp "$CP" bench/AiTurnBench.java
command -v espeak-ng >/dev/null && command -v sox >/dev/null || echo "espeak-ng or sox missing: the caller and the voice are tones"

commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench || echo '+changes')"
echo "ai-turns: calls ${COUNTS[*]}, $TURNS caller turns each, commit $commit"
echo "  machine: $(nproc) cores, $(uptime | sed 's/.*\(load average\)/\1/'), JDK $("$JDK/bin/java" -version 2>&1 | head -1)"
rc=0
PARLEY_LOG_LEVEL=WARN timeout 600 "$JDK/bin/java" -Dturns="$TURNS" -cp "$WORK:$CP" AiTurnBench "${COUNTS[@]}" \
  2> "$WORK/stderr.log" || rc=$?
warnings=$(grep -c ' WARN \| ERROR ' "$WORK/stderr.log" || true)
echo "  Parley's and the fakes' log: $warnings warnings/errors$( [[ "$warnings" -gt 0 ]] && echo ', the commonest:')"
[[ "$warnings" -gt 0 ]] && sed -n 's/^[0-9:.]* \(WARN\|ERROR\) *\[[^]]*\] \([^ ]*\) [^-]*- /\1 \2 /p' "$WORK/stderr.log" \
  | sort | uniq -c | sort -rn | head -5
echo "  machine after: $(uptime | sed 's/.*\(load average\)/\1/')"
if [[ $rc -ne 0 ]]; then
  echo "the benchmark exited $rc; the end of its log:"; tail -20 "$WORK/stderr.log"; exit "$rc"
fi
