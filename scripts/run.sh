#!/usr/bin/env bash
# Prepares the database and serves the portal; with REDIS_URL set, also a Celery
# worker and beat. One Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

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

echo "KhaiBao: http://${HOST:-127.0.0.1}:${PORT:-8000}/"
$PY manage.py runserver "${HOST:-127.0.0.1}:${PORT:-8000}" &
pids+=($!)
wait -n "${pids[@]}"
