#!/usr/bin/env bash
# Starts a 3-node MariaDB Galera cluster on loopback (galera-4, Debian's package): nodes on
# ports 3311, 3312 and 3313, each with its own data directory under $GALERA_DIR (default
# /tmp/fw-galera), group communication on 4567/4577/4587, state transfer by rsync.
#
#     .ci/galera.sh          # start (a running cluster is left as it is)
#     .ci/galera.sh stop
#
# root has no password on 127.0.0.1, like the machine's own server; database `test` exists.
set -euo pipefail

DIR=${GALERA_DIR:-/tmp/fw-galera}
PROVIDER=/usr/lib/galera/libgalera_smm.so

node_up() { mysqladmin --protocol=tcp -h 127.0.0.1 -P "331$1" -uroot ping >/dev/null 2>&1; }
ready() {
    [ "$(mysql --protocol=tcp -h 127.0.0.1 -P "331$1" -uroot -N -e "SHOW STATUS LIKE 'wsrep_ready'" 2>/dev/null | awk '{print $2}')" = ON ]
}

if [ "${1:-start}" = stop ]; then
    for i in 3 2 1; do
        [ -f "$DIR/n$i.pid" ] && kill "$(cat "$DIR/n$i.pid")" 2>/dev/null || true
    done
    for i in 1 2 3; do
        for _ in $(seq 100); do node_up "$i" || break; sleep 0.2; done
    done
    exit 0
fi

if ready 1 && ready 2 && ready 3; then
    echo "Galera cluster already running on 3311-3313"
    exit 0
fi
if [ ! -x /usr/sbin/mariadbd ] || [ ! -f "$PROVIDER" ]; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq galera-4 rsync >/dev/null
fi

"$0" stop
rm -rf "$DIR"
mkdir -p "$DIR"
for i in 1 2 3; do
    g=$((4567 + 10 * (i - 1)))
    mkdir -p "$DIR/n$i"
    cat > "$DIR/n$i.cnf" <<CONF
[mysqld]
datadir=$DIR/n$i
port=331$i
bind-address=127.0.0.1
socket=$DIR/n$i.sock
pid-file=$DIR/n$i.pid
log-error=$DIR/n$i.err
user=mysql
skip-name-resolve
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
innodb_buffer_pool_size=64M
innodb_flush_log_at_trx_commit=2
max_connections=300
wsrep_on=ON
wsrep_provider=$PROVIDER
wsrep_cluster_name=fw_galera
wsrep_cluster_address=gcomm://127.0.0.1:4567,127.0.0.1:4577,127.0.0.1:4587
wsrep_node_address=127.0.0.1
wsrep_node_name=n$i
wsrep_provider_options="base_port=$g;gmcast.listen_addr=tcp://127.0.0.1:$g;ist.recv_addr=127.0.0.1:$((g + 1));gcache.size=64M"
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:$((g + 2))
CONF
done
chown -R mysql:mysql "$DIR"
mariadb-install-db --defaults-file="$DIR/n1.cnf" --auth-root-authentication-method=normal >/dev/null
start_node() { # node, extra flags
    local i=$1; shift
    /usr/sbin/mariadbd --defaults-file="$DIR/n$i.cnf" "$@" >/dev/null 2>&1 &
    for _ in $(seq 300); do ready "$i" && return 0; sleep 0.2; done
    echo "Galera node $i did not become ready; see $DIR/n$i.err" >&2
    tail -n 30 "$DIR/n$i.err" >&2
    return 1
}
start_node 1 --wsrep-new-cluster
mysql --protocol=socket -S "$DIR/n1.sock" -uroot -e "
    CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
    GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
    CREATE DATABASE IF NOT EXISTS test;"
start_node 2
start_node 3
size=$(mysql --protocol=tcp -h 127.0.0.1 -P 3311 -uroot -N -e "SHOW STATUS LIKE 'wsrep_cluster_size'" | awk '{print $2}')
echo "Galera cluster of $size nodes running on 3311-3313 ($DIR)"
