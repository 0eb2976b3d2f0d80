#!/usr/bin/env bash
# Installs what the recorder (scripts/record/record.ts) needs, from Debian's packages only:
# Gunicorn, Uvicorn, Flask, Celery (with the AMQP and Redis clients), prometheus_client and psutil
# for Debian's /usr/bin/python3, and Prometheus + promtool. The Python side always runs with
# /usr/bin/python3 (a python3 earlier on PATH may be another build without these packages).
# A RabbitMQ broker must listen on 127.0.0.1:5672 (guest/guest) for the Celery recordings.
# Idempotent: a second run only checks.
set -euo pipefail

PACKAGES=(python3 gunicorn python3-uvicorn python3-flask python3-prometheus-client python3-psutil
  python3-celery python3-kombu python3-amqp python3-redis prometheus procps)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]} > 0)); then
  echo "record/setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

/usr/bin/python3 -c 'import flask, gunicorn, uvicorn, celery, prometheus_client, psutil' \
  || { echo "record/setup: Debian python3 cannot import the service packages" >&2; exit 1; }
command -v promtool >/dev/null || { echo "record/setup: promtool missing" >&2; exit 1; }
if ! (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
  echo "record/setup: warning: no AMQP broker on 127.0.0.1:5672; the Celery recordings will fail" >&2
fi
echo "record/setup: ok"
