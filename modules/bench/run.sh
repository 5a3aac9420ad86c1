#!/usr/bin/env bash
# The sse-gateway benchmark, side by side with Nchan and with a raw SSE ceiling server.
#
#   modules/bench/run.sh [scenario ...]
#
# Scenarios (default: all, in this order): fanout-1k fanout-10k max-rate idle storm capacity h2-fanout
#   light: light-1k (1,000 streams x 20 events/s) and light-10k (10,000 streams x 2 events/s), latency at light load
#   h2-fanout: the max-rate ramp with MAXRATE_STREAMS streams, over H2_CONNECTIONS (10) HTTP/2 connections (TLS,
#   ALPN h2, a self-signed certificate made with openssl into the results dir) and over one plain HTTP/1.1
#   connection each, against the gateway and Nchan (nginx `listen ... ssl http2`); a server is started fresh per leg
#   (H2_TLS=0: the gateway's HTTP/2 leg over cleartext h2c with prior knowledge instead, and no Nchan HTTP/2 leg)
#   (H2_MAX_P99_MS=5000: ramp past the 250 ms limit, to check that no stream stalls at high rates)
#   capacity: CAPACITY_STREAMS (50000) idle streams on one machine, held by CAPACITY_NODES (3) gateway processes
#   (each process may open at most 20000 files here); gateway only
#   publisher: the max-rate ramp into MAXRATE_STREAMS streams twice in one run, events published over HTTP ingest,
#   then by an in-process publisher verticle (InProcessPublisher, deployed through the gateway's "publishers" key,
#   the gateway started with -cp sse-gateway.jar:sse-bench.jar); gateway only; not in the default list
# Environment:
#   TARGETS="gateway nchan raw"   servers to measure (each started fresh for each scenario, then stopped)
#   QUICK=1                       tiny numbers: a smoke run of the harness in about two minutes
#   WARMUP=5 DURATION=20          seconds of warm-up and of the measured window (fan-out scenarios)
#   LIGHT_JIT_WARMUP=90           light-1k / light-10k: seconds at the fanout-1k / fanout-10k rate (200 / 20 events/s)
#                                 before WARMUP, so that the JIT is done before the light window (0: none; QUICK: 0)
#   STEP=8                        seconds per rate step (max-rate); MAXRATE_STREAMS=1000, MAXRATE_START=4
#   IDLE_STREAMS=N                default: as many as the 20000-fd limit of one server allows (19700)
#   IDLE_HOLD=60                  seconds the idle streams are held; once they closed (10 s later), the CPU with no
#                                 stream is read for min(10, IDLE_HOLD) s and subtracted from the CPU per heartbeat
#   HEARTBEAT_MS=10000            the gateway's and raw server's heartbeat_ms and Nchan's ping interval (whole seconds)
#   GATEWAY_JVM_OPTS / RAW_JVM_OPTS   JVM flags of the servers (defaults below)
#   GATEWAY_JAR=path              the gateway jar to measure (default modules/app/target/sse-gateway.jar)
#   GATEWAY_PORT NCHAN_PORT RAW_PORT CAPACITY_PORT   ports (18080 18081 18082 18090)
#   JFR=1                         record a JFR profile of the gateway per scenario (into the results dir)
#   RESULTS=dir                   where result JSON, tables (tables.md), charts (charts/*.png) and server logs go
# Needs: Java 17, Maven (builds the jars when missing), root for apt-get (nginx + nchan).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BENCH_JAR="$HERE/target/sse-bench.jar"
GATEWAY_JAR_SRC="${GATEWAY_JAR:-$ROOT/modules/app/target/sse-gateway.jar}"
GATEWAY_PORT=${GATEWAY_PORT:-18080} NCHAN_PORT=${NCHAN_PORT:-18081} RAW_PORT=${RAW_PORT:-18082}
CAPACITY_PORT=${CAPACITY_PORT:-18090}   # capacity: node i listens on CAPACITY_PORT + i - 1
PUBLISHER_CONTROL_PORT=${PUBLISHER_CONTROL_PORT:-18099}
SCENARIOS=()
for a in "$@"; do
  if [ "$a" = light ]; then SCENARIOS+=(light-1k light-10k); else SCENARIOS+=("$a"); fi
done
[ ${#SCENARIOS[@]} -eq 0 ] && SCENARIOS=(fanout-1k fanout-10k max-rate idle storm capacity h2-fanout)
H2_CONNECTIONS=${H2_CONNECTIONS:-10} H2_TLS=${H2_TLS:-1}
SERVER_TLS=0   # 1 while h2-fanout's HTTP/2 leg runs: the server serves TLS with $RESULTS/tls-cert.pem
TARGETS=${TARGETS:-"gateway nchan raw"}
GATEWAY_JVM_OPTS=${GATEWAY_JVM_OPTS:-"-Xms256m -Xmx1g -XX:+UseParallelGC -XX:+ExitOnOutOfMemoryError"}  # see docs/performance.md
RAW_JVM_OPTS=${RAW_JVM_OPTS:-"$GATEWAY_JVM_OPTS"}
DRIVER_JVM_OPTS=${DRIVER_JVM_OPTS:-"-Xms256m -Xmx512m -XX:+UseParallelGC"}
RESULTS=${RESULTS:-"$HERE/target/results-$(date -u +%Y%m%dT%H%M%SZ)"}
mkdir -p "$RESULTS"
RESULTS="$(cd "$RESULTS" && pwd)"

if [ "${QUICK:-0}" = 1 ]; then
  WARMUP=${WARMUP:-1} DURATION=${DURATION:-3} STEP=${STEP:-2} IDLE_HOLD=${IDLE_HOLD:-12}
  S1K=100 S10K=300 MAXRATE_STREAMS=${MAXRATE_STREAMS:-100} IDLE_STREAMS=${IDLE_STREAMS:-500} STORM_STREAMS=300
  CAPACITY_STREAMS=${CAPACITY_STREAMS:-900}
  MAX_STEPS=3 HEARTBEAT_MS=${HEARTBEAT_MS:-5000}
else
  S1K=1000 S10K=10000 STORM_STREAMS=10000 MAX_STEPS=${MAX_STEPS:-14} HEARTBEAT_MS=${HEARTBEAT_MS:-10000}
fi
LIGHT_JIT_WARMUP=${LIGHT_JIT_WARMUP:-$([ "${QUICK:-0}" = 1 ] && echo 0 || echo 90)}
WARMUP=${WARMUP:-5} DURATION=${DURATION:-20} STEP=${STEP:-8} IDLE_HOLD=${IDLE_HOLD:-60}
MAXRATE_STREAMS=${MAXRATE_STREAMS:-1000} MAXRATE_START=${MAXRATE_START:-4}
CAPACITY_STREAMS=${CAPACITY_STREAMS:-50000} CAPACITY_NODES=${CAPACITY_NODES:-3}

# --- open files: every stream is one fd in the load generator and one in the server ---------------------
ulimit -n "$(ulimit -Hn)"
FD_LIMIT=$(ulimit -n)
# A server holds at most FD_LIMIT - ~300 streams (the JVM's jars, epoll, pipes; nginx's listeners and logs).
IDLE_STREAMS=${IDLE_STREAMS:-$(( FD_LIMIT - 300 < 50000 ? FD_LIMIT - 300 : 50000 ))}

# --- tools ------------------------------------------------------------------------------------------------
if [[ " $TARGETS " == *" nchan "* ]] && [ ! -e /usr/lib/nginx/modules/ngx_nchan_module.so ]; then
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y nginx libnginx-mod-nchan
fi
if [ ! -f "$BENCH_JAR" ] || [ ! -f "$GATEWAY_JAR_SRC" ]; then
  (cd "$ROOT" && mvn -B -q -pl modules/bench,modules/app -am package -DskipTests)
fi

WORK="$(mktemp -d /tmp/sse-bench.XXXXXX)"
# The gateway jar is copied: a rebuild of modules/app during the run does not change what is measured.
cp "$GATEWAY_JAR_SRC" "$WORK/sse-gateway.jar"
cp "$BENCH_JAR" "$WORK/sse-bench.jar"
SERVER_PIDS=""

stop_server() {
  local pid children
  for pid in $SERVER_PIDS; do
    kill -0 "$pid" 2>/dev/null || continue
    children=$(pgrep -P "$pid" || true)   # nginx workers
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for c in $children; do kill -9 "$c" 2>/dev/null || true; done
  done
  SERVER_PIDS=""
}

cleanup() {
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_port() { # port pid
  for _ in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    kill -0 "$2" 2>/dev/null || { echo "server on port $1 died; see $RESULTS" >&2; return 1; }
    sleep 0.1
  done
  echo "nothing listens on port $1 after 30 s" >&2
  return 1
}

start_gateway() { # scenario-label port node-id
  local label=$1 port=$2 node=$3 jfr="" launch=(-jar "$WORK/sse-gateway.jar") publishers=""
  if [ "$label" = publisher ]; then   # the in-process publisher runs in the gateway: the classpath way
    launch=(-cp "$WORK/sse-gateway.jar:$WORK/sse-bench.jar" dev.ssegateway.app.GatewayLauncher)
    publishers='  "publishers": [{"name": "bench", "class": "dev.ssegateway.bench.InProcessPublisher", "config": {"control_port": '$PUBLISHER_CONTROL_PORT'}}],'
  fi
  sed -e "s/\"heartbeat_ms\": 10000/\"heartbeat_ms\": $HEARTBEAT_MS/" -e "s/\"port\": 18080/\"port\": $port/" \
      -e "s/\"node_id\": \"bench\"/\"node_id\": \"$node\"/" "$HERE/conf/gateway.json" > "$WORK/$node.json"
  [ -n "$publishers" ] && sed -i "/\"node_id\"/a\\$publishers" "$WORK/$node.json"
  [ "$SERVER_TLS" = 1 ] && sed -i "/\"node_id\"/a\\  \"tls\": {\"cert_file\": \"$RESULTS/tls-cert.pem\", \"key_file\": \"$RESULTS/tls-key.pem\"}," "$WORK/$node.json"
  [ "${JFR:-0}" = 1 ] && jfr="-XX:StartFlightRecording=filename=$RESULTS/$node-$label.jfr,settings=profile,dumponexit=true"
  # shellcheck disable=SC2086
  java $GATEWAY_JVM_OPTS $jfr -Xlog:gc:file="$RESULTS/$node-gc-$label.log" "${launch[@]}" -conf "$WORK/$node.json" \
    > "$RESULTS/$node-$label.log" 2>&1 &
  SERVER_PIDS="$SERVER_PIDS $!"
}

start_server() { # kind scenario-label; sets PORT and PIDS (comma-separated when several processes)
  local kind=$1 label=$2 p ports=""
  case $kind in
    gateway)
      if [ "$label" = capacity ]; then
        for i in $(seq 1 "$CAPACITY_NODES"); do
          p=$((CAPACITY_PORT - 1 + i)); start_gateway "$label" "$p" "gateway$i"; ports="$ports,$p"
        done
        PORT=${ports#,}
      else
        start_gateway "$label" "$GATEWAY_PORT" gateway; PORT=$GATEWAY_PORT
      fi ;;
    nchan)
      rm -rf "$WORK/nginx"; mkdir -p "$WORK/nginx"
      sed -e "s#@WORK@#$WORK/nginx#g" -e "s#@PORT@#$NCHAN_PORT#g" \
          -e "s#nchan_eventsource_ping_interval 10;#nchan_eventsource_ping_interval $((HEARTBEAT_MS / 1000));#" \
          "$HERE/conf/nginx-nchan.conf.template" > "$WORK/nginx/nginx.conf"
      if [ "$SERVER_TLS" = 1 ]; then   # nginx 1.22: HTTP/2 is a parameter of listen
        sed -i -e "s#listen 127.0.0.1:$NCHAN_PORT backlog=4096;#listen 127.0.0.1:$NCHAN_PORT ssl http2 backlog=4096;\n    ssl_certificate $RESULTS/tls-cert.pem;\n    ssl_certificate_key $RESULTS/tls-key.pem;#" "$WORK/nginx/nginx.conf"
      fi
      nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" > "$RESULTS/nchan-$label.log" 2>&1 &
      SERVER_PIDS="$!"; PORT=$NCHAN_PORT ;;
    raw)
      # shellcheck disable=SC2086
      java $RAW_JVM_OPTS -jar "$WORK/sse-bench.jar" raw-server --port $RAW_PORT --instances 2 \
        --heartbeat-ms "$HEARTBEAT_MS" > "$RESULTS/raw-$label.log" 2>&1 &
      SERVER_PIDS="$!"; PORT=$RAW_PORT ;;
  esac
  local pids=($SERVER_PIDS) i=0
  for p in ${PORT//,/ }; do wait_port "$p" "${pids[$i]}"; i=$((i + 1)); done
  PIDS=$(echo $SERVER_PIDS | tr ' ' ',')
  sleep 1
}

scenario_args() { # label -> scenario name and options
  case $1 in
    fanout-1k)  echo "fanout --streams $S1K --rate 200 --warmup $WARMUP --duration $DURATION" ;;
    fanout-10k) echo "fanout --streams $S10K --rate 20 --warmup $WARMUP --duration $DURATION" ;;
    light-1k)   echo "fanout --streams $S1K --rate 20 --warmup $WARMUP --duration $DURATION --jit-warmup $LIGHT_JIT_WARMUP --jit-warmup-rate 200" ;;
    light-10k)  echo "fanout --streams $S10K --rate 2 --warmup $WARMUP --duration $DURATION --jit-warmup $LIGHT_JIT_WARMUP --jit-warmup-rate 20" ;;
    max-rate)   echo "max-rate --streams $MAXRATE_STREAMS --rate $MAXRATE_START --factor 1.5 --step $STEP --max-steps $MAX_STEPS --max-p99-ms 250" ;;
    publisher)  echo "publisher --streams $MAXRATE_STREAMS --rate $MAXRATE_START --factor 1.5 --step $STEP --max-steps $MAX_STEPS --max-p99-ms 250 --control-port $PUBLISHER_CONTROL_PORT" ;;
    idle)       echo "idle --streams $IDLE_STREAMS --hold $IDLE_HOLD" ;;
    storm)      echo "storm --streams $STORM_STREAMS --rate 2 --warmup $WARMUP --after 10" ;;
    capacity)   echo "idle --streams $CAPACITY_STREAMS --hold $IDLE_HOLD" ;;
    h2-fanout)  echo "max-rate --streams $MAXRATE_STREAMS --rate $MAXRATE_START --factor 1.5 --step $STEP --max-steps $MAX_STEPS --max-p99-ms ${H2_MAX_P99_MS:-250}" ;;
    *) echo "unknown scenario $1 (fanout-1k fanout-10k light light-1k light-10k max-rate idle storm capacity publisher h2-fanout)" >&2; return 1 ;;
  esac
}

{
  echo "# sse-gateway benchmark $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "command: $0 ${SCENARIOS[*]}  (QUICK=${QUICK:-0} TARGETS=\"$TARGETS\")"
  echo "machine: nproc=$(nproc), $(free -g | awk '/Mem:/{print $2" GiB RAM"}'), $(uname -r), open files limit $FD_LIMIT"
  echo "java: $(java -version 2>&1 | head -2 | tail -1)"
  echo "nginx: $(nginx -v 2>&1 | sed 's/.*: //'), nchan: $(dpkg-query -W -f='${Version}' libnginx-mod-nchan 2>/dev/null || echo '?')"
  echo "gateway jar: $GATEWAY_JAR_SRC $(date -u -r "$GATEWAY_JAR_SRC" +%Y-%m-%dT%H:%M:%SZ) sha256 $(sha256sum "$WORK/sse-gateway.jar" | cut -c1-16), git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "gateway JVM: $GATEWAY_JVM_OPTS ; raw JVM: $RAW_JVM_OPTS"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$RESULTS/run.txt"

for label in "${SCENARIOS[@]}"; do
  read -r -a args <<< "$(scenario_args "$label")"
  kinds=$TARGETS
  if [ "$label" = capacity ] || [ "$label" = publisher ]; then   # the gateway alone in these
    kinds=""; [[ " $TARGETS " == *" gateway "* ]] && kinds=gateway
    [ -n "$kinds" ] || continue
  fi
  if [ "$label" = h2-fanout ]; then   # the same ramp over HTTP/1.1 connections and over HTTP/2 streams
    if [ "$H2_TLS" = 1 ] && [ ! -f "$RESULTS/tls-cert.pem" ]; then
      openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
        -keyout "$RESULTS/tls-key.pem" -out "$RESULTS/tls-cert.pem" 2>/dev/null
    fi
    for kind in $TARGETS; do
      [ "$kind" = raw ] && continue   # the raw server speaks HTTP/1.1 only
      for proto in http1 http2; do
        extra=(--variant "$proto" --memory true)
        if [ "$proto" = http2 ]; then
          [ "$H2_TLS" = 1 ] || [ "$kind" = gateway ] || continue
          extra+=(--http2 "$H2_CONNECTIONS")
          if [ "$H2_TLS" = 1 ]; then extra+=(--tls true); SERVER_TLS=1; fi
        fi
        echo "== $label / $kind $proto (load $(cut -d' ' -f1 /proc/loadavg))" >&2
        start_server "$kind" "$label"
        # shellcheck disable=SC2086
        timeout "${SCENARIO_TIMEOUT:-900}" java $DRIVER_JVM_OPTS -jar "$WORK/sse-bench.jar" scenario "${args[@]}" "${extra[@]}" \
          --label "$label" --target "$kind" --port "$PORT" --pid "$PIDS" --out "$RESULTS/$label.$kind-$proto.json" \
          2> >(tee -a "$RESULTS/driver.log" >&2) || echo "!! $label / $kind $proto failed (see $RESULTS/driver.log)" >&2
        stop_server
        SERVER_TLS=0
      done
    done
    java -jar "$WORK/sse-bench.jar" table "$RESULTS"/"$label".*.json | tee -a "$RESULTS/tables.md"
    java -jar "$WORK/sse-bench.jar" charts "$RESULTS/charts" "$RESULTS"/"$label".*.json || echo "!! charts of $label failed" >&2
    continue
  fi
  for kind in $kinds; do
    echo "== $label / $kind (load $(cut -d' ' -f1 /proc/loadavg))" >&2
    start_server "$kind" "$label"
    # shellcheck disable=SC2086
    timeout "${SCENARIO_TIMEOUT:-900}" java $DRIVER_JVM_OPTS -jar "$WORK/sse-bench.jar" scenario "${args[@]}" --label "$label" --target "$kind" \
      --port "$PORT" --pid "$PIDS" --out "$RESULTS/$label.$kind.json" 2> >(tee -a "$RESULTS/driver.log" >&2) \
      || echo "!! $label / $kind failed (see $RESULTS/driver.log)" >&2
    stop_server
  done
  java -jar "$WORK/sse-bench.jar" table "$RESULTS"/"$label".*.json | tee -a "$RESULTS/tables.md"
  java -jar "$WORK/sse-bench.jar" charts "$RESULTS/charts" "$RESULTS"/"$label".*.json || echo "!! charts of $label failed" >&2
done
echo "results: $RESULTS" | tee -a "$RESULTS/run.txt"
if [ -d "$RESULTS/charts" ]; then   # PNG charts of the tables (ChartWriter); publish-charts.sh copies them into docs/
  echo "charts: $RESULTS/charts ($(ls "$RESULTS/charts" | wc -l) PNG files; copy into docs/: modules/bench/publish-charts.sh $RESULTS)" \
    | tee -a "$RESULTS/run.txt"
fi
