#!/usr/bin/env bash
# Starts PgBouncer (Debian's package, installed when missing) on 127.0.0.1:6433 in front of the
# local PostgreSQL server, in transaction pooling mode, for tests/tests/pgbouncer.rs and for
# trying `statement_cache = false` by hand:
#
#     .ci/pgbouncer.sh          # start (a running one is left as it is)
#     .ci/pgbouncer.sh stop
#
# Every database of the server is reachable through it (`* = host=127.0.0.1 port=5432`), with
# trust authentication on loopback like the server's. Its files are in $PGBOUNCER_DIR (default
# /tmp/fw-pgbouncer); it runs as the postgres user.
set -euo pipefail

PORT=${PGBOUNCER_PORT:-6433}
DIR=${PGBOUNCER_DIR:-/tmp/fw-pgbouncer}

as_postgres() {
    if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

if [ "${1:-start}" = stop ]; then
    [ -f "$DIR/pgbouncer.pid" ] && kill "$(cat "$DIR/pgbouncer.pid")" 2>/dev/null || true
    exit 0
fi

if pg_isready -q -h 127.0.0.1 -p "$PORT"; then
    echo "PgBouncer already running on port $PORT"
    exit 0
fi

if ! command -v pgbouncer >/dev/null 2>&1 && [ ! -x /usr/sbin/pgbouncer ]; then
    echo "installing PgBouncer"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null
fi
BIN=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)

mkdir -p "$DIR"
cat > "$DIR/pgbouncer.ini" <<CONF
[databases]
* = host=127.0.0.1 port=5432

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PORT
unix_socket_dir =
auth_type = trust
auth_file = $DIR/userlist.txt
pool_mode = transaction
max_client_conn = 2000
default_pool_size = 20
ignore_startup_parameters = extra_float_digits,options
server_reset_query =
logfile = $DIR/pgbouncer.log
pidfile = $DIR/pgbouncer.pid
CONF
printf '"postgres" ""\n' > "$DIR/userlist.txt"
chown -R postgres:postgres "$DIR" 2>/dev/null || true
as_postgres "$BIN" -d "$DIR/pgbouncer.ini"
for _ in $(seq 50); do
    pg_isready -q -h 127.0.0.1 -p "$PORT" && break
    sleep 0.1
done
pg_isready -q -h 127.0.0.1 -p "$PORT"
echo "PgBouncer running on port $PORT (transaction pooling; $DIR)"
