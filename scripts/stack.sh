#!/usr/bin/env bash
# `make up` / `make down`: every model server and the gateway in the background on this
# machine, logs under .run/, and exactly those processes stopped again.
#
# What it keeps, and where; all of it survives `make down && make up`:
#   files  data/artifacts/ (STUDIO_ARTIFACTS_DIR): a directory the processes share, readable by
#          this user only. Clients never read it directly: they download through the gateway, with
#          an API key or with an expiring link the gateway signed. (STUDIO_ARTIFACTS=s3 with
#          STUDIO_S3_* uses your own S3 server instead.)
#   rows   PostgreSQL database `studio` (STUDIO_DATABASE_URL)
#   jobs   NATS JetStream (STUDIO_NATS_URL)
#   keys   .run/jwt-secret signs web UI tokens and download links, so they outlive a restart;
#          .run/provider-keys-secret encrypts tenants' stored provider keys, and
#          .run/provider-credentials-secret seals them onto jobs (gateway and model servers share it)
# Everything listens on 127.0.0.1 unless STUDIO_HOST says otherwise (STUDIO_HOST=0.0.0.0 serves
# other machines); /metrics (the gateway's on port 9100, not on its API port, and each model server's)
# stays on 127.0.0.1 unless STUDIO_METRICS_HOST says so.
# STUDIO_RUN_DIR and STUDIO_STACK_PORT_OFFSET let a second stack run beside the first (tests).
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${STUDIO_RUN_DIR:-.run}
BIN=.venv/bin
PIDS=$RUN/pids
OFFSET=${STUDIO_STACK_PORT_OFFSET:-0}
GATEWAY_PORT=${STUDIO_GATEWAY_PORT:-$((8080 + OFFSET))}

start() {  # name, command...: in its own session so `down` can stop its whole process group
  local name=$1; shift
  setsid nohup "$@" >"$RUN/$name.log" 2>&1 < /dev/null &
  echo "$name $!" >>"$PIDS"
}

running() {  # whether any process group in $PIDS is alive (after a reboot none is)
  local pid
  while read -r _ pid; do kill -0 -- "-$pid" 2>/dev/null && return 0; done <"$PIDS"
  return 1
}

reachable_host() {  # where this machine reaches a server bound to $1
  case $1 in 0.0.0.0|127.0.0.1|localhost|'') echo 127.0.0.1 ;; *) echo "$1" ;; esac
}

up() {
  umask 077  # logs, secrets and stored files are this user's only
  mkdir -p "$RUN"
  if [ -s "$PIDS" ] && running; then
    echo "already up (see $PIDS); run 'make down' first" >&2
    exit 1
  fi
  : >"$PIDS"
  : >"$RUN/env"
  if [ "${STUDIO_ARTIFACTS:-local}" = local ]; then
    mkdir -p "${STUDIO_ARTIFACTS_DIR:-data/artifacts}"
    chmod 700 "${STUDIO_ARTIFACTS_DIR:-data/artifacts}"
    echo "export STUDIO_ARTIFACTS=local" >>"$RUN/env"
    echo "export STUDIO_ARTIFACTS_DIR=$(cd "${STUDIO_ARTIFACTS_DIR:-data/artifacts}" && pwd)" >>"$RUN/env"
  fi
  [ -s "$RUN/jwt-secret" ] || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$RUN/jwt-secret"
  for secret in provider-keys-secret provider-credentials-secret; do
    [ -s "$RUN/$secret" ] || head -c 32 /dev/urandom | base64 | tr -d '\n' >"$RUN/$secret"
  done
  local host=${STUDIO_HOST:-127.0.0.1}
  local reach
  reach=$(reachable_host "$host")
  cat >>"$RUN/env" <<ENV
export STUDIO_JWT_SECRET=\${STUDIO_JWT_SECRET:-$(cat "$RUN/jwt-secret")}
export STUDIO_PROVIDER_KEYS_SECRET=\${STUDIO_PROVIDER_KEYS_SECRET:-$(cat "$RUN/provider-keys-secret")}
export STUDIO_PROVIDER_CREDENTIALS_SECRET=\${STUDIO_PROVIDER_CREDENTIALS_SECRET:-$(cat "$RUN/provider-credentials-secret")}
export STUDIO_DATABASE_URL=${STUDIO_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/studio}
export STUDIO_HOST=$host
export STUDIO_METRICS_HOST=${STUDIO_METRICS_HOST:-127.0.0.1}
export STUDIO_GATEWAY_METRICS_PORT=${STUDIO_GATEWAY_METRICS_PORT:-$((9100 + OFFSET))}
ENV
  # name, gRPC port and metrics port of each model server, from studio.core.registry
  local servers
  servers=$("$BIN/python" -c 'from studio.core.registry import SERVICES
for s in SERVICES.values(): print(s.name, s.port, s.metrics_port)')
  local addresses=()
  while read -r name port _; do
    echo "export STUDIO_${name^^}_ADDR=$reach:$((port + OFFSET))" >>"$RUN/env"
    addresses+=("$reach:$((port + OFFSET))")
  done <<<"$servers"
  # shellcheck disable=SC1091
  source "$RUN/env"
  db=${STUDIO_DATABASE_URL##*/}
  if command -v psql >/dev/null && ! psql "${STUDIO_DATABASE_URL%/*}/postgres" -tAc \
      "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1; then
    psql "${STUDIO_DATABASE_URL%/*}/postgres" -qc "CREATE DATABASE \"$db\""
  fi
  "$BIN/studio" migrate
  while read -r name port metrics; do
    local ports=(--port $((port + OFFSET)) --metrics-port $((metrics + OFFSET)))
    if [ "$name" = composer ]; then
      # A production's picture parts encode on one thread each: two at once keep two cores busy.
      STUDIO_WORKER_CONCURRENCY=${STUDIO_COMPOSER_JOBS:-2} start "$name" "$BIN/studio" serve "$name" "${ports[@]}"
    else
      start "$name" "$BIN/studio" serve "$name" "${ports[@]}"
    fi
  done <<<"$servers"
  start gateway "$BIN/studio" serve gateway --port "$GATEWAY_PORT"
  if ! "$BIN/studio" health --wait 180 "${addresses[@]}"; then
    echo "a model server did not become ready; see $RUN/*.log" >&2
    exit 1
  fi
  local url="http://$reach:$GATEWAY_PORT"
  for _ in $(seq 120); do
    curl -sf -o /dev/null "$url/healthz" && break
    sleep 0.5
  done
  curl -sf -o /dev/null "$url/healthz" || { echo "the gateway did not start; see $RUN/gateway.log" >&2; exit 1; }
  echo "studio is up: web studio and API at $url/ (API docs at /docs), listening on $host, logs in $RUN/"
  echo "use the same settings in your shell with: source $RUN/env"
}

down() {
  [ -f "$PIDS" ] || { echo "nothing to stop"; return 0; }
  while read -r name pid; do
    kill -TERM -- "-$pid" 2>/dev/null && echo "stopping $name ($pid)"
  done <"$PIDS"
  for _ in $(seq 60); do
    running || break
    sleep 0.5
  done
  while read -r _ pid; do kill -KILL -- "-$pid" 2>/dev/null || true; done <"$PIDS"
  rm -f "$PIDS"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
