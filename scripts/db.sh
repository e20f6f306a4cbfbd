#!/usr/bin/env bash
# Makes sure the local PostgreSQL is running and has what Clientele needs:
# a `clientele` role (password `clientele`, allowed to create databases, for
# the tests) and a `clientele` database it owns.
#
# It does not rely on the server's authentication settings: admin steps run
# as the `postgres` OS user over the local socket (peer or trust auth), and
# the service itself connects over TCP with the password (scram, md5 or
# trust all work).
set -euo pipefail

PGPORT="${PGPORT:-5432}"
ROLE="${CLIENTELE_DB_USER:-clientele}"
PASSWORD="${CLIENTELE_DB_PASSWORD:-clientele}"
DATABASE="${CLIENTELE_DB_NAME:-clientele}"

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"
  elif [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"
  else sudo -n -u postgres "$@"
  fi
}

ready() { pg_isready -q -h 127.0.0.1 -p "$PGPORT" >/dev/null 2>&1; }

if ! ready; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    version="$(ls /etc/postgresql | sort -V | tail -n 1)"
    echo "starting PostgreSQL $version ..." >&2
    pg_ctlcluster --skip-systemctl-redirect "$version" main start \
      || as_postgres pg_ctlcluster --skip-systemctl-redirect "$version" main start
  else
    echo "PostgreSQL is not answering on 127.0.0.1:$PGPORT and pg_ctlcluster is not available; start it, or set DATABASE_URL." >&2
    exit 1
  fi
  for _ in $(seq 1 60); do ready && break; sleep 0.5; done
  ready || { echo "PostgreSQL did not come up on 127.0.0.1:$PGPORT" >&2; exit 1; }
fi

psql_admin() { as_postgres psql -p "$PGPORT" -v ON_ERROR_STOP=1 -qAtX "$@"; }

psql_admin -d postgres <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE "$ROLE" LOGIN CREATEDB PASSWORD '$PASSWORD';
  ELSE
    ALTER ROLE "$ROLE" LOGIN CREATEDB PASSWORD '$PASSWORD';
  END IF;
END
\$\$;
SQL
if [ "$(psql_admin -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" != 1 ]; then
  psql_admin -d postgres -c "CREATE DATABASE \"$DATABASE\" OWNER \"$ROLE\""
fi
echo "postgres://$ROLE:$PASSWORD@127.0.0.1:$PGPORT/$DATABASE"
