"""Give the application's database role what it needs, and nothing it does not.

Run as the tables' owner (the role migrations run as), after `migrate`:

    python manage.py db_grant_app_role prm_app

The app role may read and write rows (SELECT, INSERT, UPDATE, DELETE; the append-only
triggers still refuse updates and deletes of history) and use the sequences. It owns
nothing, so it cannot TRUNCATE, ALTER, DROP or disable a trigger; it is not a superuser,
so it cannot set `session_replication_role`. Tables made by later migrations get the
same grants (default privileges), and running the command again changes nothing.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from psycopg import sql


class Command(BaseCommand):
    help = "Grant the application's database role row access to every table (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("role", help="the role web, workers and beat connect as")

    def handle(self, *args, role: str, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Database roles exist on PostgreSQL only.")
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone() is None:
                raise CommandError(f"There is no database role {role!r}; create it first.")
            cursor.execute("SELECT current_user")
            (owner,) = cursor.fetchone()
            if owner == role:
                raise CommandError("Run this as the tables' owner, not as the app role itself.")
            name = sql.Identifier(role)
            for statement in (
                "GRANT USAGE ON SCHEMA public TO {role}",
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
                "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
                "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
                "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
                "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
                "GRANT USAGE, SELECT ON SEQUENCES TO {role}",
            ):
                cursor.execute(sql.SQL(statement).format(role=name).as_string(cursor.connection))
        self.stdout.write(f"{role} may read and write rows; {owner} keeps the tables.")
