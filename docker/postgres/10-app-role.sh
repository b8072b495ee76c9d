#!/bin/sh
# The application's login role: no ownership, no superuser, no CREATEROLE. Its grants are
# given by `manage.py db_grant_app_role prm_app`, which the migrate service runs.
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE prm_app LOGIN PASSWORD '${POSTGRES_APP_PASSWORD:-prm_app}'
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
SQL
