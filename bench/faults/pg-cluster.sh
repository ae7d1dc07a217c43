# Sourced by the fault benches (kill.sh, db-restart.sh): a private PostgreSQL cluster of Debian's
# server binaries, under a work directory, on its own port, with a database `parley`. Never the
# system's service. Sets PGBIN, PGDATA, PGPORT and OPTS (the server's options, to start it again).

pg_cluster_require() {
  PGBIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  [[ -x "$PGBIN/initdb" ]] || { echo "needs PostgreSQL's server binaries (apt-get install postgresql)"; exit 1; }
}

# initdb refuses to run as root: as root, the cluster belongs to the postgres user.
as_pg() { if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_cluster_start() {
  PGDATA="$1/pg"; mkdir -p "$PGDATA"; [[ "$(id -u)" == 0 ]] && chown postgres "$PGDATA"
  PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  OPTS="-p $PGPORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PGDATA -c max_connections=200"
  as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 >/dev/null
  as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -o "$OPTS" start >/dev/null
  as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres parley
}

pg_cluster_stop() {
  [[ -n "${PGDATA:-}" ]] && as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate stop >/dev/null 2>&1 || true
}
