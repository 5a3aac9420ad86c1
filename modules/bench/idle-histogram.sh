#!/usr/bin/env bash
# What each idle stream keeps alive: a gateway with N idle streams (the bench `idle` scenario), class histograms
# (jcmd GC.class_histogram: live objects after a full GC) before the streams and during the hold, and their
# difference per stream, largest first.
#
#   modules/bench/idle-histogram.sh [GATEWAY_JAR] [STREAMS=5000] [HOLD_S=30] [OUT_DIR]
#
# Prints: load average, RSS before/with streams, heap per stream, then bytes and objects per stream by class;
# the bench scenario's own table (heartbeat intervals, server CPU during the hold) is in OUT_DIR/driver.log.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
JAR=${1:-$HERE/../app/target/sse-gateway.jar} N=${2:-5000} HOLD=${3:-30}
OUT=${4:-$HERE/target/histogram-$(date -u +%Y%m%dT%H%M%SZ)} PORT=${PORT:-18180}
GATEWAY_JVM_OPTS=${GATEWAY_JVM_OPTS:-"-Xms256m -Xmx1g -XX:+UseParallelGC -XX:+ExitOnOutOfMemoryError"}
ulimit -n "$(ulimit -Hn)"
mkdir -p "$OUT"
sed -e "s/\"port\": 18080/\"port\": $PORT/" "$HERE/conf/gateway.json" > "$OUT/gateway.json"
# shellcheck disable=SC2086
java $GATEWAY_JVM_OPTS -jar "$JAR" -conf "$OUT/gateway.json" > "$OUT/gateway.log" 2>&1 &
GW=$!
trap 'kill $GW 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
sleep 3
jcmd $GW GC.class_histogram > "$OUT/h0.txt"
rss0=$(awk '/VmRSS/{print $2}' /proc/$GW/status)
java -Xms256m -Xmx512m -XX:+UseParallelGC -jar "$HERE/target/sse-bench.jar" scenario idle --streams "$N" --hold "$HOLD" \
  --label idle --target gateway --port "$PORT" --pid "$GW" --out "$OUT/idle.json" > "$OUT/driver.log" 2>&1 &
DRIVER=$!
for _ in $(seq 1 1200); do grep -q "streams opened" "$OUT/driver.log" && break; sleep 0.5; done
sleep $((HOLD / 2))
jcmd $GW GC.class_histogram > "$OUT/h1.txt"
rss1=$(awk '/VmRSS/{print $2}' /proc/$GW/status)
wait $DRIVER || true
{
  echo "load $(cut -d' ' -f1-3 /proc/loadavg); streams $N; RSS ${rss0} -> ${rss1} KiB: $(( (rss1 - rss0) / N )) KiB per stream"
  python3 - "$OUT" "$N" <<'PY'
import re, sys
out, n = sys.argv[1], int(sys.argv[2])
def load(f):
    d = {}
    for line in open(f):
        m = re.match(r'\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)', line)
        if m:
            d[m.group(3)] = (int(m.group(1)), int(m.group(2)))
    return d
a, b = load(out + '/h0.txt'), load(out + '/h1.txt')
rows = sorted(((s - a.get(k, (0, 0))[1], c - a.get(k, (0, 0))[0], k) for k, (c, s) in b.items()), reverse=True)
print(f"heap per stream {sum(r[0] for r in rows) / n:.0f} bytes")
for ds, dc, k in rows[:40]:
    print(f"{ds / n:8.1f} B {dc / n:6.2f} objects  {k}")
PY
  grep -E "heartbeat interval|server CPU|heap KiB|RSS KiB" "$OUT/driver.log" || true
} | tee "$OUT/summary.txt"
