"""On PostgreSQL the database itself refuses to change a published version or its rows.

The models refuse too (every database); the trigger also covers raw SQL and bulk paths.
"""

from django.db import migrations

PART_TABLES = [
    "programs_track",
    "programs_tier",
    "programs_requirement",
    "programs_benefit",
    "programs_commissionrule",
]

CREATE = """
CREATE OR REPLACE FUNCTION programs_refuse_published_part() RETURNS trigger AS $$
DECLARE
    target bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN target := NEW.version_id; ELSE target := OLD.version_id; END IF;
    IF EXISTS (SELECT 1 FROM programs_programversion WHERE id = target AND status = 'published')
       OR (TG_OP = 'UPDATE' AND EXISTS (
            SELECT 1 FROM programs_programversion WHERE id = NEW.version_id AND status = 'published'))
    THEN
        RAISE EXCEPTION 'program version % is published and cannot change', target
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION programs_refuse_published_version() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'published' THEN
        RAISE EXCEPTION 'program version % is published and cannot change', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER programs_version_frozen BEFORE UPDATE OR DELETE ON programs_programversion
    FOR EACH ROW EXECUTE FUNCTION programs_refuse_published_version();
"""

DROP = """
DROP TRIGGER IF EXISTS programs_version_frozen ON programs_programversion;
DROP FUNCTION IF EXISTS programs_refuse_published_version();
"""


def _run(apps, schema_editor, sql: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        # params=None: the SQL's own % (RAISE ... 'version %') is not a placeholder
        schema_editor.execute(sql, params=None)


def create(apps, schema_editor):
    parts = "".join(
        f"CREATE TRIGGER {table}_frozen BEFORE INSERT OR UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION programs_refuse_published_part();\n"
        for table in PART_TABLES
    )
    _run(apps, schema_editor, CREATE + parts)


def drop(apps, schema_editor):
    parts = "".join(f"DROP TRIGGER IF EXISTS {table}_frozen ON {table};\n" for table in PART_TABLES)
    _run(apps, schema_editor, parts + DROP + "DROP FUNCTION IF EXISTS programs_refuse_published_part();")


class Migration(migrations.Migration):
    dependencies = [("programs", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
