#!/usr/bin/env bash
# Starts a PostgreSQL streaming replica of the local server (127.0.0.1:5432) on 127.0.0.1:5433,
# for the replica tests (tests/tests/replicas.rs) and for trying `replicas = [..]` by hand:
#
#     .ci/pg-replica.sh          # start (a running replica is left as it is)
#     .ci/pg-replica.sh stop
#
# It allows replication connections from loopback on the primary (pg_hba.conf, reloaded), takes
# a base backup with `pg_basebackup -R` into $REPLICA_DIR (default /tmp/fw-pg-replica) and starts
# it on its own port as the postgres user. Needs root (or the postgres user) and the primary up.
set -euo pipefail

PORT=${REPLICA_PORT:-5433}
DIR=${REPLICA_DIR:-/tmp/fw-pg-replica}
VERSION=$(ls /etc/postgresql | sort -V | tail -n1)
BIN=/usr/lib/postgresql/$VERSION/bin

as_postgres() {
    if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

if [ "${1:-start}" = stop ]; then
    [ -d "$DIR" ] && as_postgres "$BIN/pg_ctl" -D "$DIR" stop -m fast || true
    exit 0
fi

if pg_isready -q -h 127.0.0.1 -p "$PORT" \
    && [ "$(psql -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -tAc 'SELECT pg_is_in_recovery()')" = t ]; then
    echo "PostgreSQL replica already running on port $PORT"
    exit 0
fi

HBA=$(psql -h 127.0.0.1 -U postgres -d postgres -tAc 'SHOW hba_file')
if ! grep -q '^host replication all 127.0.0.1/32 trust' "$HBA"; then
    echo 'host replication all 127.0.0.1/32 trust' >> "$HBA"
    psql -h 127.0.0.1 -U postgres -d postgres -qtAc 'SELECT pg_reload_conf()' >/dev/null
fi

if [ -d "$DIR" ]; then
    as_postgres "$BIN/pg_ctl" -D "$DIR" stop -m immediate >/dev/null 2>&1 || true
    rm -rf "$DIR"
fi
mkdir -p "$DIR"
chown postgres:postgres "$DIR" 2>/dev/null || true
chmod 700 "$DIR"
as_postgres pg_basebackup -h 127.0.0.1 -p 5432 -U postgres -D "$DIR" -R -X stream -c fast
# Debian keeps the primary's configuration in /etc: the copy gets its own.
cat > "$DIR/postgresql.conf" <<CONF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '/tmp'
hot_standby = on
hot_standby_feedback = on
max_connections = 100
CONF
printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' > "$DIR/pg_hba.conf"
chown postgres:postgres "$DIR/postgresql.conf" "$DIR/pg_hba.conf" 2>/dev/null || true
as_postgres "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 start >/dev/null
echo "PostgreSQL replica running on port $PORT ($DIR)"
