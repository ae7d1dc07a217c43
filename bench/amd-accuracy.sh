#!/usr/bin/env bash
# Issue 13: accuracy of answering-machine detection over the labelled set of
# src/test/resources/amd/cases.csv (espeak-ng greetings and hellos, beeps, fax tones, silence, noise),
# from audio alone and with a perfect recognizer's words: per label, false "machine" on people,
# false "human" on machines, unknowns, time to decide p50/p95, beeps' ends, and ns per 20 ms frame.
#   bench/amd-accuracy.sh
# The first run makes the speech with espeak-ng and sox (cached in target/amd-cases/), later runs
# take a few seconds.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
command -v espeak-ng >/dev/null && command -v sox >/dev/null || { echo "needs espeak-ng and sox"; exit 1; }
JDK="$(./parley jdk)"
export JAVA_HOME="$JDK"
# The cases' generator and the scoring live in src/test; they need nothing beyond the JDK and the classes.
./mvnw -q -B -Dstyle.color=never -o test-compile 2>/dev/null || ./mvnw -q -B -Dstyle.color=never test-compile
CP="target/test-classes:target/classes"
WORK="$(mktemp -d /tmp/parley-amd.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
"$JDK/bin/javac" -d "$WORK" -cp "$CP" bench/AmdAccuracy.java
commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench || echo '+changes')"
echo "amd-accuracy: commit $commit, $(nproc) cores, JDK $("$JDK/bin/java" -version 2>&1 | head -1)"
"$JDK/bin/java" -cp "$WORK:$CP" AmdAccuracy
