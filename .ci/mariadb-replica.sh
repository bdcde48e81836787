#!/usr/bin/env bash
# Starts a MariaDB primary with a binlog on port 3321 and a replica of it on port 3322
# (asynchronous GTID replication), each with its own data directory under $MARIADB_REPLICA_DIR
# (default /tmp/fw-mariadb-replica). The machine's own server (3306) keeps running without a
# binlog; the replica tests create their databases on 3321.
#
#     .ci/mariadb-replica.sh          # start (a running, replicating pair is left as it is)
#     .ci/mariadb-replica.sh stop
#
# root has no password on 127.0.0.1, like the machine's own server; database `test` exists on
# both (created on the primary, replicated).
set -euo pipefail

DIR=${MARIADB_REPLICA_DIR:-/tmp/fw-mariadb-replica}
PRIMARY=3321
REPLICA=3322

q() { # port, sql
    mysql --protocol=tcp -h 127.0.0.1 -P "$1" -uroot -N -e "$2"
}
up() { mysqladmin --protocol=tcp -h 127.0.0.1 -P "$1" -uroot ping >/dev/null 2>&1; }
replicating() {
    mysql --protocol=tcp -h 127.0.0.1 -P "$REPLICA" -uroot -e "SHOW SLAVE STATUS\G" 2>/dev/null |
        grep -q "Slave_SQL_Running: Yes"
}

if [ "${1:-start}" = stop ]; then
    for name in replica primary; do
        [ -f "$DIR/$name.pid" ] && kill "$(cat "$DIR/$name.pid")" 2>/dev/null || true
    done
    for port in $REPLICA $PRIMARY; do
        for _ in $(seq 100); do up "$port" || break; sleep 0.2; done
    done
    exit 0
fi

if up "$PRIMARY" && up "$REPLICA" && replicating; then
    echo "MariaDB primary on $PRIMARY and replica on $REPLICA already running"
    exit 0
fi

"$0" stop
rm -rf "$DIR"
mkdir -p "$DIR"
server() { # name, port, server id, extra lines
    mkdir -p "$DIR/$1"
    cat > "$DIR/$1.cnf" <<CONF
[mysqld]
datadir=$DIR/$1
port=$2
server_id=$3
bind-address=127.0.0.1
socket=$DIR/$1.sock
pid-file=$DIR/$1.pid
log-error=$DIR/$1.err
user=mysql
skip-name-resolve
default_storage_engine=InnoDB
innodb_buffer_pool_size=64M
innodb_flush_log_at_trx_commit=2
max_connections=300
$4
CONF
    chown -R mysql:mysql "$DIR"
    mariadb-install-db --defaults-file="$DIR/$1.cnf" --auth-root-authentication-method=normal >/dev/null
}
server primary "$PRIMARY" 1 "log_bin=$DIR/primary-bin
binlog_format=ROW"
server replica "$REPLICA" 2 "relay_log=$DIR/replica-relay
read_only=ON"

start() { # name, port
    /usr/sbin/mariadbd --defaults-file="$DIR/$1.cnf" >/dev/null 2>&1 &
    for _ in $(seq 300); do up "$2" && return 0; sleep 0.2; done
    echo "MariaDB $1 did not start on $2; see $DIR/$1.err" >&2
    tail -n 30 "$DIR/$1.err" >&2
    return 1
}
# The same users on both, outside the binlog; then the primary's history starts empty.
for name in primary replica; do
    /usr/sbin/mariadbd --defaults-file="$DIR/$name.cnf" --skip-networking >/dev/null 2>&1 &
    for _ in $(seq 300); do
        mysql --protocol=socket -S "$DIR/$name.sock" -uroot -e "SELECT 1" >/dev/null 2>&1 && break
        sleep 0.2
    done
    mysql --protocol=socket -S "$DIR/$name.sock" -uroot -e "
        SET sql_log_bin = 0;
        CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
        GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
        CREATE USER IF NOT EXISTS 'repl'@'127.0.0.1' IDENTIFIED BY 'repl';
        GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1';
        SHUTDOWN;"
    for _ in $(seq 100); do [ -S "$DIR/$name.sock" ] || break; sleep 0.2; done
    sleep 0.5
done
start primary "$PRIMARY"
start replica "$REPLICA"
q "$PRIMARY" "RESET MASTER"
q "$REPLICA" "SET GLOBAL gtid_slave_pos = '';
    CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = $PRIMARY, MASTER_USER = 'repl',
        MASTER_PASSWORD = 'repl', MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1;
    START SLAVE;"
q "$PRIMARY" "CREATE DATABASE IF NOT EXISTS test"
for _ in $(seq 100); do
    if replicating && [ -n "$(q "$REPLICA" "SHOW DATABASES LIKE 'test'")" ]; then
        echo "MariaDB primary on $PRIMARY, replica on $REPLICA ($DIR)"
        exit 0
    fi
    sleep 0.2
done
echo "the MariaDB replica on $REPLICA does not replicate:" >&2
mysql --protocol=tcp -h 127.0.0.1 -P "$REPLICA" -uroot -e "SHOW SLAVE STATUS\G" >&2 || true
exit 1
