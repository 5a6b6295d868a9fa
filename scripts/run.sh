#!/usr/bin/env bash
# Prepares the database and serves the portal; with REDIS_URL set, also a Celery
# worker and beat. One Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

# Links in SMS texts and FAQ #1 use KHAIBAO_PUBLIC_URL: unless it is set, the address
# served here. Serving every interface (HOST=0.0.0.0), the link needs an address a
# phone on the same network can open, and Django must accept that host name.
if [ -z "${KHAIBAO_PUBLIC_URL:-}" ]; then
  case "$HOST" in
    0.0.0.0 | :: | "[::]")
      url_host=$(hostname -I 2>/dev/null | awk '{print $1}' || true)
      url_host=${url_host:-127.0.0.1}
      ;;
    *) url_host=$HOST ;;
  esac
  # An IPv6 address goes in brackets in a URL: "[fd00::2]".
  case "$url_host" in *:*) url_host="[${url_host#[}" && url_host="${url_host%]}]" ;; esac
  export KHAIBAO_PUBLIC_URL="http://${url_host}:${PORT}"
  if [ -z "${ALLOWED_HOSTS:-}" ] && [ "$url_host" != 127.0.0.1 ] && [ "$url_host" != localhost ]; then
    export ALLOWED_HOSTS="127.0.0.1,localhost,${url_host}"
  fi
fi

$PY manage.py migrate --no-input -v0
$PY manage.py load_areas
$PY manage.py seed_demo

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

if [ -n "${REDIS_URL:-}" ]; then
  mkdir -p var
  .venv/bin/celery -A khaibao worker -Q default,sms --concurrency=2 --loglevel=INFO &
  pids+=($!)
  .venv/bin/celery -A khaibao beat --loglevel=INFO &
  pids+=($!)
  echo "Celery worker and beat started (REDIS_URL is set)."
else
  echo "No REDIS_URL: tasks run in-process."
fi

echo "KhaiBao: ${KHAIBAO_PUBLIC_URL}/ (serving ${HOST}:${PORT})"
$PY manage.py runserver "${HOST}:${PORT}" &
pids+=($!)
wait -n "${pids[@]}"
