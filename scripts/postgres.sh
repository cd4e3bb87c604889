#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server on 127.0.0.1 for herald's PostgreSQL tests.
#
#   scripts/postgres.sh start   install Debian's postgresql if its binaries are missing, initdb
#                               (once) into $PG_DIR, start on a free port, wait until it answers
#   scripts/postgres.sh url     prints the server's URL (postgres://herald@127.0.0.1:PORT/herald)
#   scripts/postgres.sh stop    stop it
#
# Everything lives in $PG_DIR (default: target/postgres): the cluster, its port, its log. Trust
# authentication on loopback only; the server is the tests' own and never outlives the run.
set -euo pipefail

DIR=${PG_DIR:-$(cd "$(dirname "$0")/.." && pwd)/target/postgres}

bin() {
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
    if [ -z "$found" ] || [ ! -x "$found/initdb" ]; then
        echo "postgres.sh: installing Debian's postgresql" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null
        apt-get install -y -qq postgresql >/dev/null
        found=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    fi
    echo "$found"
}

# PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user the
# package creates.
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Where the cluster lives: $DIR/data, unless the `postgres` user cannot reach $DIR (a checkout
# under /root); then a directory of its own under /tmp. Recorded in $DIR/datadir.
data_dir() {
    if [ -f "$DIR/datadir" ]; then
        cat "$DIR/datadir"
        return
    fi
    local data=$DIR/data
    if [ "$(id -u)" = 0 ]; then
        chown postgres "$DIR"
        if ! runuser -u postgres -- test -w "$DIR"; then
            data=/tmp/herald-postgres-$(echo "$DIR" | md5sum | cut -c1-12)/data
            mkdir -p "$(dirname "$data")"
            chown postgres "$(dirname "$data")"
        fi
    fi
    echo "$data" >"$DIR/datadir"
    echo "$data"
}

start() {
    local bin
    bin=$(bin)
    mkdir -p "$DIR"
    DATA=$(data_dir)
    mkdir -p "$(dirname "$DATA")"
    if [ "$(id -u)" = 0 ]; then chown postgres "$(dirname "$DATA")"; fi
    if [ ! -f "$DATA/PG_VERSION" ]; then
        as_owner "$bin/initdb" --pgdata="$DATA" --username=herald --auth=trust \
            --encoding=UTF8 --locale=C.UTF-8 >"$DIR/initdb.log"
    fi
    if as_owner "$bin/pg_ctl" status --pgdata="$DATA" >/dev/null 2>&1; then
        return
    fi
    free_port >"$DIR/port"
    as_owner "$bin/pg_ctl" start --pgdata="$DATA" --log="$(dirname "$DATA")/server.log" --wait \
        --options="-c listen_addresses=127.0.0.1 -c port=$(cat "$DIR/port") -c unix_socket_directories='$(dirname "$DATA")' -c fsync=off -c max_connections=200" >/dev/null
    if ! as_owner "$bin/psql" --host=127.0.0.1 --port="$(cat "$DIR/port")" --username=herald \
        --dbname=postgres --quiet --command="SELECT 1 FROM pg_database WHERE datname = 'herald'" \
        --tuples-only | grep -q 1; then
        as_owner "$bin/createdb" --host=127.0.0.1 --port="$(cat "$DIR/port")" --username=herald herald
    fi
}

stop() {
    [ -f "$DIR/datadir" ] || return 0
    local data
    data=$(cat "$DIR/datadir")
    if [ -f "$data/PG_VERSION" ]; then
        as_owner "$(bin)/pg_ctl" stop --pgdata="$data" --mode=fast >/dev/null 2>&1 || true
    fi
}

case "${1:-}" in
start) start ;;
url) echo "postgres://herald@127.0.0.1:$(cat "$DIR/port")/herald" ;;
stop) stop ;;
*)
    echo "usage: $0 start|url|stop" >&2
    exit 2
    ;;
esac
