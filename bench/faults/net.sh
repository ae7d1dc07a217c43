#!/usr/bin/env bash
# Issue 15 item 3: a bad network between the caller and Parley. Spoken calls one after another, each
# to a fresh baresip softphone through a userspace UDP impairment proxy (the suite's ImpairmentProxy:
# loss, jitter, packets held back so later ones overtake them, duplicates; seeded, both directions),
# standing as a NAT in front of Parley (Parley listens on 127.0.0.1 and advertises 127.0.0.2). The
# offline assistant asks a yes/no question; the callee says "yes". Per call and in total: calls
# completed, the answer understood, the longest gap between packets at the callee (dead air, < 3 s),
# Parley's RTP lost / duplicate / late counters against the proxy's record. Writes
# bench/faults/reports/net-<date>-<commit>.md and .json (bench/faults/NetBench.java); exits 1 when a
# promise is broken. About 15 s per call.
#   bench/faults/net.sh [--calls 20] [--loss 0.05] [--jitter 40] [--reorder 0.03] [--hold 60] [--duplicate 0.02] [--seed 15]
#   bench/faults/net.sh --calls 2       # a development run
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CALLS=20; LOSS=0.05; JITTER=40; REORDER=0.03; HOLD=60; DUP=0.02; SEED=15
while [[ $# -gt 0 ]]; do
  case "$1" in
    --calls) CALLS="$2"; shift 2 ;;
    --loss) LOSS="$2"; shift 2 ;;
    --jitter) JITTER="$2"; shift 2 ;;
    --reorder) REORDER="$2"; shift 2 ;;
    --hold) HOLD="$2"; shift 2 ;;
    --duplicate) DUP="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    *) sed -n '2,12p' "$0"; exit 2 ;;
  esac
done
[[ "$CALLS" =~ ^[0-9]+$ && "$CALLS" -ge 1 && "$CALLS" -le 200 ]] || { echo "--calls: 1 to 200"; exit 2; }
for p in "$LOSS" "$REORDER" "$DUP"; do
  [[ "$p" =~ ^(0(\.[0-9]+)?|1(\.0+)?)$ ]] || { echo "--loss, --reorder, --duplicate: probabilities 0 to 1, got '$p'"; exit 2; }
done
for ms in "$JITTER" "$HOLD"; do
  [[ "$ms" =~ ^[0-9]+$ && "$ms" -le 1000 ]] || { echo "--jitter, --hold: 0 to 1000 ms, got '$ms'"; exit 2; }
done
[[ "$SEED" =~ ^[0-9]+$ ]] || { echo "--seed: a number"; exit 2; }
for tool in baresip espeak-ng sox; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install baresip-core espeak-ng sox)"; exit 1; }
done

cd "$ROOT"
./parley build
JDK="$(./parley jdk)"
export JAVA_HOME="$JDK"
WORK="$(mktemp -d /tmp/parley-net.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
# The proxy, the softphone driver and the in-process server live in src/test.
./mvnw -q -B -Dstyle.color=never -o test-compile 2>/dev/null || ./mvnw -q -B -Dstyle.color=never test-compile
./mvnw -q -B -Dstyle.color=never -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$WORK/test.classpath" >/dev/null 2>&1 \
  || ./mvnw -q -B -Dstyle.color=never dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$WORK/test.classpath" >/dev/null
CP="target/test-classes:target/classes:$(cat "$WORK/test.classpath")"
"$JDK/bin/javac" -d "$WORK" -cp "$CP" bench/faults/NetBench.java

commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench || echo '+changes')"
machine="$(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, load $(cut -d' ' -f1-3 /proc/loadavg) at the start, $("$JDK/bin/java" -version 2>&1 | head -1)"
others="$(ps -eo pcpu,comm --sort=-pcpu --no-headers | awk '$1>5 {printf "%s (%s%%) ", $2, $1}' | head -c 300)"
LABEL="$(date -u +%Y-%m-%dT%H:%MZ), commit $commit, machine: $machine; busy at the start besides this run: ${others:-nothing over 5% CPU}"
echo "net: $CALLS calls; $LABEL"
rc=0
PARLEY_LOG_LEVEL=WARN timeout $((120 + 90 * CALLS)) "$JDK/bin/java" -cp "$WORK:$CP" NetBench --calls "$CALLS" \
  --loss "$LOSS" --jitter "$JITTER" --reorder "$REORDER" --hold "$HOLD" --duplicate "$DUP" --seed "$SEED" \
  --out bench/faults/reports --commit "$commit" --label "$LABEL" 2> "$WORK/stderr.log" || rc=$?
grep '^call ' "$WORK/stderr.log" | cut -c1-200 || true
# Parley's own warnings (e.g. the media clock waking late on a machine short of CPU) explain gaps.
warnings=$(grep -c ' WARN \| ERROR ' "$WORK/stderr.log" || true)
echo "net: Parley's log: $warnings warnings/errors"
[[ "$warnings" -gt 0 ]] && sed -n 's/^[0-9:.]* \(WARN\|ERROR\) *\[[^]]*\] \([^ ]*\) *- \(.\{0,90\}\).*/\1 \2 \3/p' "$WORK/stderr.log" \
  | sed 's/[0-9][0-9]* ms/N ms/; s/[0-9][0-9]* calls/N calls/' | sort | uniq -c | sort -rn | head -5
if [[ $rc -ne 0 ]]; then
  echo "net: exit $rc (1: a promise broken, see the report); the end of the log:"; tail -5 "$WORK/stderr.log"
fi
exit "$rc"
