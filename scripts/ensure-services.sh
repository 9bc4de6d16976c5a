#!/bin/sh
# Starts PostgreSQL and RabbitMQ when they are not already running; the
# tests use both for real.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
  i=0
  while ! bash -c "(exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null"; do
    i=$((i + 1)); [ $i -gt 120 ] && { echo "service on port $1 did not start" >&2; return 1; }
    sleep 0.5
  done
}
if ! bash -c '(exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null'; then
  echo "starting PostgreSQL" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  wait_port 5432
fi
if ! bash -c '(exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null'; then
  echo "starting RabbitMQ" >&2
  rabbitmq-server -detached || true
  wait_port 5672
fi
