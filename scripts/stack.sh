#!/usr/bin/env bash
# `make up` / `make down`: every model server and the gateway in the background on this
# machine, logs under .run/, and exactly those processes stopped again.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=.run
BIN=.venv/bin
PIDS=$RUN/pids

start() {  # name, command...: in its own session so `down` can stop its whole process group
  local name=$1; shift
  setsid nohup "$@" >"$RUN/$name.log" 2>&1 < /dev/null &
  echo "$name $!" >>"$PIDS"
}

up() {
  mkdir -p "$RUN"
  if [ -s "$PIDS" ]; then
    echo "already up (see $PIDS); run 'make down' first" >&2
    exit 1
  fi
  : >"$PIDS"
  : >"$RUN/env"
  if [ -z "${STUDIO_S3_ENDPOINT:-}" ]; then
    # No S3 configured: an S3 endpoint on loopback (moto's server; MinIO in compose/k8s).
    start s3 "$BIN/python" -m moto.server -H 127.0.0.1 -p "${STUDIO_LOCAL_S3_PORT:-9000}"
    cat >>"$RUN/env" <<ENV
export STUDIO_ARTIFACTS=s3
export STUDIO_S3_ENDPOINT=http://127.0.0.1:${STUDIO_LOCAL_S3_PORT:-9000}
export STUDIO_S3_ACCESS_KEY=studio
export STUDIO_S3_SECRET_KEY=studio-secret
ENV
  fi
  # A stable secret so web-UI tokens survive gateway restarts (kept across make down/up).
  [ -s "$RUN/jwt-secret" ] || (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$RUN/jwt-secret")
  echo "export STUDIO_JWT_SECRET=\${STUDIO_JWT_SECRET:-$(cat "$RUN/jwt-secret")}" >>"$RUN/env"
  echo "export STUDIO_DATABASE_URL=${STUDIO_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/studio}" >>"$RUN/env"
  # shellcheck disable=SC1091
  source "$RUN/env"
  db=${STUDIO_DATABASE_URL##*/}
  if command -v psql >/dev/null && ! psql "${STUDIO_DATABASE_URL%/*}/postgres" -tAc \
      "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1; then
    psql "${STUDIO_DATABASE_URL%/*}/postgres" -qc "CREATE DATABASE \"$db\""
  fi
  for _ in $(seq 50); do  # the S3 endpoint takes a moment
    curl -s -o /dev/null "${STUDIO_S3_ENDPOINT}" && break
    sleep 0.2
  done
  "$BIN/studio" migrate
  for svc in audio image video; do
    start "$svc" "$BIN/studio" serve "$svc"
  done
  # A production's picture parts encode on one thread each: two at once keep two cores busy.
  STUDIO_WORKER_CONCURRENCY=${STUDIO_COMPOSER_JOBS:-2} start composer "$BIN/studio" serve composer
  start gateway "$BIN/studio" serve gateway --port "${STUDIO_GATEWAY_PORT:-8080}"
  if ! "$BIN/studio" health --wait 180 127.0.0.1:50051 127.0.0.1:50052 127.0.0.1:50053 127.0.0.1:50054; then
    echo "a model server did not become ready; see $RUN/*.log" >&2
    exit 1
  fi
  for _ in $(seq 120); do
    curl -sf -o /dev/null "http://127.0.0.1:${STUDIO_GATEWAY_PORT:-8080}/healthz" && break
    sleep 0.5
  done
  curl -sf -o /dev/null "http://127.0.0.1:${STUDIO_GATEWAY_PORT:-8080}/healthz" \
    || { echo "the gateway did not start; see $RUN/gateway.log" >&2; exit 1; }
  echo "studio is up: web studio and API at http://127.0.0.1:${STUDIO_GATEWAY_PORT:-8080}/ (API docs at /docs), logs in $RUN/"
  echo "use the same settings in your shell with: source $RUN/env"
}

down() {
  [ -f "$PIDS" ] || { echo "nothing to stop"; return 0; }
  while read -r name pid; do
    kill -TERM -- "-$pid" 2>/dev/null && echo "stopping $name ($pid)"
  done <"$PIDS"
  for _ in $(seq 60); do
    alive=0
    while read -r _ pid; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done <"$PIDS"
    [ $alive = 0 ] && break
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
