"""On PostgreSQL the database itself refuses to change or delete a ledger entry.

The model and its queryset refuse too (every database); the trigger also covers raw
SQL. Corrections are new entries.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION commissions_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger entry % is append-only: book a correcting entry', OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
END $$ LANGUAGE plpgsql;

CREATE TRIGGER commissions_ledger_append_only
    BEFORE UPDATE OR DELETE ON commissions_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION commissions_ledger_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS commissions_ledger_append_only ON commissions_ledgerentry;
DROP FUNCTION IF EXISTS commissions_ledger_append_only();
"""


def _run(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("commissions", "0001_ledger")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
