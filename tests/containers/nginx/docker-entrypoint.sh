#!/bin/sh
# The official image's start-up, for what a render uses: each
# /etc/nginx/templates/NAME.template becomes $NGINX_ENVSUBST_OUTPUT_DIR/NAME with
# the environment's variables substituted (only those that are set, so nginx's
# own $variables stay), then the command runs.
set -eu
if [ "${1:-}" = nginx ] && [ -d /etc/nginx/templates ]; then
    output=${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}
    defined=$(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/${\1}/p' | tr '\n' ' ')
    for template in /etc/nginx/templates/*.template; do
        [ -e "$template" ] || continue
        name=$(basename "$template" .template)
        envsubst "$defined" < "$template" > "$output/$name"
    done
fi
exec "$@"
