"""Forced row-level security on every tenant table (PostgreSQL; SQLite has none).

Tables that later migrations create (a new app's included) get the same policy from the
post_migrate handler in tenants/rls.py, which re-runs the same idempotent installer.
"""

from django.db import migrations

from tenants import rls


def enable(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        rls.install(schema_editor.connection)


def disable(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        connection = schema_editor.connection
        existing = set(connection.introspection.table_names())
        rls.uninstall(connection, [t for t in rls.tenant_tables() if t in existing])


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0005_idempotency_record"),
    ]

    operations = [
        migrations.RunPython(enable, disable, elidable=False),
    ]
