#!/usr/bin/env bash
# A throwaway Synapse homeserver on 127.0.0.1 for herald's Matrix tests.
#
#   scripts/synapse.sh start              install (once) into a venv, write a config, start, wait for /health
#   scripts/synapse.sh start --until PID  the same, and stop it once process PID has exited (the
#                                         test binary that needed it), unless it was already running
#   scripts/synapse.sh register USER PASS register a user with the shared secret (prints nothing on success)
#   scripts/synapse.sh url                prints the client API URL
#   scripts/synapse.sh stop               stop it
#
# Everything lives in $SYNAPSE_DIR (default: target/synapse): the venv, the config, the SQLite
# database, the log. No federation, no key servers, registration only by shared secret.
set -euo pipefail

VERSION=1.163.2
DIR=${SYNAPSE_DIR:-$(cd "$(dirname "$0")/.." && pwd)/target/synapse}
PORT=${SYNAPSE_PORT:-8448}
VENV=$DIR/venv
SECRET=herald-test-shared-secret

install() {
    if [ -x "$VENV/bin/synapse_homeserver" ] && "$VENV/bin/pip" show matrix-synapse 2>/dev/null | grep -q "^Version: $VERSION$"; then
        return
    fi
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "matrix-synapse==$VERSION"
}

configure() {
    mkdir -p "$DIR/data"
    if [ ! -f "$DIR/data/signing.key" ]; then
        "$VENV/bin/python" -m synapse.app.homeserver --server-name localhost \
            --config-path "$DIR/generated.yaml" --generate-config --report-stats=no \
            --data-directory "$DIR/data" >/dev/null
    fi
    cat > "$DIR/homeserver.yaml" <<YAML
server_name: "localhost"
pid_file: "$DIR/homeserver.pid"
listeners:
  - port: $PORT
    bind_addresses: ["127.0.0.1"]
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: "$DIR/data/homeserver.db"
log_config: "$DIR/log.yaml"
media_store_path: "$DIR/data/media"
signing_key_path: "$DIR/data/signing.key"
registration_shared_secret: "$SECRET"
enable_registration: false
report_stats: false
trusted_key_servers: []
suppress_key_server_warning: true
federation_domain_whitelist: []
macaroon_secret_key: "herald-test-macaroon"
form_secret: "herald-test-form"
presence:
  enabled: false
url_preview_enabled: false
# rc_message keeps Synapse's default (0.2/s, burst 10): tests lift it per user with the admin
# API, except where they want the bot to meet it. Everything else a test does in bulk
# (accounts, logins, rooms, invites, joins, uploads) is generous.
rc_registration: {per_second: 1000, burst_count: 1000}
rc_registration_token_validity: {per_second: 1000, burst_count: 1000}
rc_login:
  address: {per_second: 1000, burst_count: 1000}
  account: {per_second: 1000, burst_count: 1000}
  failed_attempts: {per_second: 1000, burst_count: 1000}
rc_room_creation: {per_second: 1000, burst_count: 1000}
rc_joins:
  local: {per_second: 1000, burst_count: 1000}
  remote: {per_second: 1000, burst_count: 1000}
rc_joins_per_room: {per_second: 1000, burst_count: 1000}
rc_invites:
  per_room: {per_second: 1000, burst_count: 1000}
  per_user: {per_second: 1000, burst_count: 1000}
  per_issuer: {per_second: 1000, burst_count: 1000}
rc_media_create: {per_second: 1000, burst_count: 1000}
rc_key_requests: {per_second: 1000, burst_count: 1000}
YAML
    cat > "$DIR/log.yaml" <<YAML
version: 1
formatters:
  precise:
    format: '%(asctime)s - %(name)s - %(levelname)s - %(message)s'
handlers:
  file:
    class: logging.FileHandler
    formatter: precise
    filename: $DIR/homeserver.log
root:
  level: WARNING
  handlers: [file]
disable_existing_loggers: false
YAML
}

start() {
    install
    configure
    if curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then
        # Someone else's (CI's, a developer's): theirs to stop.
        return
    fi
    "$VENV/bin/python" -m synapse.app.homeserver --config-path "$DIR/homeserver.yaml" --daemonize
    if [ -n "${1:-}" ]; then
        # Detached, with no descriptor of the caller's kept open (cargo waits on its pipes).
        setsid nohup "$0" watch "$1" </dev/null >/dev/null 2>&1 &
    fi
    for _ in $(seq 1 120); do
        if curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then
            return
        fi
        sleep 0.5
    done
    echo "synapse did not become healthy; see $DIR/homeserver.log" >&2
    exit 1
}

register() {
    "$VENV/bin/register_new_matrix_user" -u "$1" -p "$2" --no-admin \
        -k "$SECRET" "http://127.0.0.1:$PORT" >/dev/null
}

stop() {
    if [ -f "$DIR/homeserver.pid" ]; then
        local pid
        pid=$(cat "$DIR/homeserver.pid")
        rm -f "$DIR/homeserver.pid"
        kill "$pid" 2>/dev/null || true
        # Gone, not just told: whoever stops it may check that nothing is left.
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || return 0
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
}

# Stops Synapse once process $1 has exited.
watch() {
    while kill -0 "$1" 2>/dev/null; do
        sleep 1
    done
    stop
}

case "${1:-}" in
    start)
        if [ "${2:-}" = "--until" ]; then start "$3"; else start; fi ;;
    watch) watch "$2" ;;
    register) register "$2" "$3" ;;
    stop) stop ;;
    url) echo "http://127.0.0.1:$PORT" ;;
    *) echo "usage: $0 start [--until PID] | register USER PASS | stop | url" >&2; exit 2 ;;
esac
