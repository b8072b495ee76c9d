"""TRUNCATE gets past row triggers, so the ledger and tier history refuse it too.

Only the tables' owner may truncate them (the role migrations run as; the test suite's
flush runs as it too). The application connects as a role that owns nothing
(`manage.py db_grant_app_role`, docs/security.md): it cannot truncate, drop or disable
these triggers, nor set `session_replication_role`.
"""

from django.db import migrations

TABLES = ("commissions_ledgerentry", "tiers_tierassignment")

CREATE = """
CREATE OR REPLACE FUNCTION prm_history_no_truncate() RETURNS trigger AS $$
BEGIN
    IF pg_has_role(current_user, (SELECT tableowner FROM pg_tables
                                  WHERE schemaname = TG_TABLE_SCHEMA
                                    AND tablename = TG_TABLE_NAME), 'MEMBER') THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% keeps its history: it cannot be truncated', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END $$ LANGUAGE plpgsql;
""" + "".join(
    f"""
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION prm_history_no_truncate();
"""
    for table in TABLES
)

DROP = "".join(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};\n" for table in TABLES)
DROP += "DROP FUNCTION IF EXISTS prm_history_no_truncate();\n"


def _run(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("commissions", "0005_bank_originator"),
        ("tiers", "0003_append_only_history"),
    ]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
