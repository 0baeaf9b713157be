# pg.sh -- sourced by the PostgreSQL store tests after lib.sh: a throwaway PostgreSQL cluster
# (Debian's postgresql, newest under /usr/lib/postgresql, or $SKINQ_PG_BIN) in a temp dir, on a
# unix socket only (listen_addresses ''), stopped and removed on exit. initdb refuses root, so as
# root (CI) the server runs as the `postgres` system user. Gives pg_url DB, pg_createdb DB, pg_sql DB SQL.
PGBIN=${SKINQ_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
if [ ! -x "$PGBIN/initdb" ]; then
  echo "FAIL: PostgreSQL server binaries not found (Debian package postgresql, scripts/setup.sh)"
  exit 1
fi
PGD=$(mktemp -d /tmp/skinq-pg.XXXXXX)
PGPORT=54329 # the socket is in our own directory: no other server can hold this name
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$PGD"
pg_stop() {
  as_pg "$PGBIN/pg_ctl" -D "$PGD/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$PGD" "$T"
}
trap pg_stop EXIT
trap 'exit 1' INT TERM # (a timeout too: the server is stopped)
as_pg "$PGBIN/initdb" -D "$PGD/data" -U postgres -A trust >"$PGD/initdb.log" 2>&1 ||
  { echo "FAIL: initdb"; cat "$PGD/initdb.log"; exit 1; }
# alice needs a password (the auth-failure test); everyone else is trusted on the socket
printf 'local all alice scram-sha-256\nlocal all all trust\n' >"$PGD/data/pg_hba.conf"
as_pg "$PGBIN/pg_ctl" -D "$PGD/data" -l "$PGD/log" -w \
  -o "-c listen_addresses='' -c unix_socket_directories='$PGD' -p $PGPORT -c fsync=off" start >/dev/null ||
  { echo "FAIL: the PostgreSQL server did not start"; cat "$PGD/log"; exit 1; }
pg_url() { echo "postgresql://${2:-postgres}@/$1?host=$PGD&port=$PGPORT"; }
pg_sql() { "$PGBIN/psql" -X -q -t -A -h "$PGD" -p "$PGPORT" -U postgres -d "$1" -c "$2"; }
pg_createdb() { "$PGBIN/createdb" -h "$PGD" -p "$PGPORT" -U postgres "$1"; }
