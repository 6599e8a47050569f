#!/bin/sh
# The official image's RabbitMQ creates its first account from RABBITMQ_DEFAULT_USER and
# RABBITMQ_DEFAULT_PASS; this stand-in writes them as rabbitmq.conf's default_user and
# default_pass, which RabbitMQ reads when it first starts on an empty data folder.
set -eu
config=/etc/rabbitmq/rabbitmq.conf
: >"$config"
if [ -n "${RABBITMQ_DEFAULT_USER:-}" ]; then
    printf 'default_user = %s\n' "$RABBITMQ_DEFAULT_USER" >>"$config"
fi
if [ -n "${RABBITMQ_DEFAULT_PASS:-}" ]; then
    printf 'default_pass = %s\n' "$RABBITMQ_DEFAULT_PASS" >>"$config"
fi
exec "$@"
