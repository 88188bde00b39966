#!/usr/bin/env bash
# services.sh start|stop — makes sure PostgreSQL, Redis, NATS (JetStream), an
# S3 server and an SMTP server with a mailbox API (mailpit, for the browser
# tests) answer on loopback, and writes their URLs to $STATE/env.
# PostgreSQL, Redis and NATS are used where the machine already runs them
# (and started if they are down); the S3 server (versitygw) is built once,
# cached under $TOOLS, and started privately.
set -euo pipefail
STATE=${CI_STATE:-/tmp/pama-ci}
TOOLS=${CI_TOOLS:-/root/.cache/pama-ci-tools}
S3_PORT=${S3_PORT:-57070}
SMTP_PORT=${SMTP_PORT:-51025}
MAILPIT_PORT=${MAILPIT_PORT:-58025}

up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
  for _ in $(seq 150); do up "$1" && return 0; sleep 0.1; done
  echo "services: port $1 did not open ($2)" >&2; return 1
}

# stop ends the S3 server and mailpit started here, and waits until they
# have exited, so that a start right after finds their ports free.
stop() {
  local f pid
  for f in "$STATE/s3.pid" "$STATE/mailpit.pid"; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$f"
  done
}
if [ "${1:-start}" = stop ]; then stop; exit 0; fi

mkdir -p "$STATE" "$TOOLS"

# PostgreSQL (the machine's cluster on 5432, trust auth).
if ! up 5432; then
  echo "services: starting PostgreSQL"
  if ! command -v pg_ctlcluster >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
fi
wait_port 5432 postgresql

# Redis on 6379.
if ! up 6379; then
  echo "services: starting Redis"
  command -v redis-server >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir "$STATE" --logfile "$STATE/redis.log"
fi
wait_port 6379 redis

# NATS with JetStream on 4222.
if ! up 4222; then
  echo "services: starting NATS"
  command -v nats-server >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null; }
  mkdir -p "$STATE/nats"
  start-stop-daemon --start --oknodo --background --exec "$(command -v nats-server)" -- -a 127.0.0.1 -p 4222 -js -sd "$STATE/nats" -l "$STATE/nats.log"
fi
wait_port 4222 nats

# S3: versitygw with a posix backend, pinned and cached.
VGW="$TOOLS/versitygw-v1.8.0"
if [ ! -x "$VGW" ]; then
  echo "services: building versitygw (once; cached in $TOOLS)"
  GOBIN="$TOOLS/.bin" GOFLAGS= go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
  mv "$TOOLS/.bin/versitygw" "$VGW"
fi
stop
rm -rf "$STATE/s3"; mkdir -p "$STATE/s3"
ROOT_ACCESS_KEY=pamaci ROOT_SECRET_KEY=pamacisecret123 \
  nohup "$VGW" --port "127.0.0.1:$S3_PORT" posix "$STATE/s3" >"$STATE/s3.log" 2>&1 &
echo $! >"$STATE/s3.pid"
wait_port "$S3_PORT" versitygw

# SMTP with a REST API for the mailbox: mailpit, pinned and cached.
MAILPIT="$TOOLS/mailpit-v1.33.1"
if [ ! -x "$MAILPIT" ]; then
  echo "services: building mailpit (once; cached in $TOOLS)"
  GOBIN="$TOOLS/.bin" GOFLAGS= go install github.com/axllent/mailpit@v1.33.1
  mv "$TOOLS/.bin/mailpit" "$MAILPIT"
fi
nohup "$MAILPIT" --smtp "127.0.0.1:$SMTP_PORT" --listen "127.0.0.1:$MAILPIT_PORT" --disable-version-check \
  --smtp-auth-accept-any --smtp-auth-allow-insecure >"$STATE/mailpit.log" 2>&1 &
echo $! >"$STATE/mailpit.pid"
wait_port "$SMTP_PORT" mailpit-smtp
wait_port "$MAILPIT_PORT" mailpit-api

cat >"$STATE/env" <<ENV
export PAMA_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
export PAMA_TEST_REDIS_URL='redis://127.0.0.1:6379/15'
export PAMA_TEST_NATS_URL='nats://127.0.0.1:4222'
export PAMA_TEST_S3_ENDPOINT='127.0.0.1:$S3_PORT'
export PAMA_TEST_S3_ACCESS_KEY=pamaci
export PAMA_TEST_S3_SECRET_KEY=pamacisecret123
export PAMA_TEST_SMTP_ADDR='127.0.0.1:$SMTP_PORT'
export PAMA_TEST_MAILPIT_URL='http://127.0.0.1:$MAILPIT_PORT'
ENV
echo "services: up; environment in $STATE/env"
