#!/usr/bin/env bash
# Starts the machine's PostgreSQL 15 cluster and creates a role and database
# for the test suite. Prints the URL to put in DOCKETCARD_TEST_POSTGRES.
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null; then
  apt-get install -y -q postgresql >&2
fi
# Only the URL goes to stdout; everything else to stderr.
pg_ctlcluster 15 main start >&2 2>/dev/null || pg_ctlcluster 15 main status >/dev/null
for i in $(seq 1 30); do
  su postgres -c "psql -q -c 'SELECT 1'" >/dev/null 2>&1 && break
  sleep 1
done
su postgres -c "psql -q" <<'SQL' >/dev/null
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'docketcard') THEN
    CREATE ROLE docketcard LOGIN PASSWORD 'docketcard-test';
  END IF;
END $$;
SELECT 'CREATE DATABASE docketcard_test OWNER docketcard'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'docketcard_test')\gexec
SQL
echo "postgres://docketcard:docketcard-test@127.0.0.1:5432/docketcard_test?sslmode=disable"
