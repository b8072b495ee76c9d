"""Program versions: published ones are frozen, publishing is dated, drafts copy, diffs show."""

import datetime
import importlib
from dataclasses import dataclass, field
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from programs.errors import DefinitionError
from programs.management.commands.load_programs import DEFINITIONS_DIR
from programs.models import (
    Benefit,
    CommissionRule,
    Program,
    ProgramVersion,
    PublishedVersionError,
    Requirement,
    Tier,
    Track,
    VersionStatus,
)
from programs.selectors import version_diff, version_in_force
from programs.serialization import canonical, version_document
from programs.services import program_draft_from, program_version_publish
from tenants.errors import ApplicationError
from tenants.models import Tenant
from tenants.scope import tenant_scope
from tests.factories import TenantFactory, UserFactory

V1_FROM = datetime.date(2024, 1, 1)  # Simpro's file says 2024-01-01
V2_FROM = datetime.date(2025, 7, 1)


def load_seed(name: str, *, publish: bool = False) -> None:
    call_command(
        "load_programs",
        str(DEFINITIONS_DIR / f"{name}.yaml"),
        publish=publish,
        stdout=StringIO(),
        stderr=StringIO(),
    )


@dataclass
class Simpro:
    tenant: Tenant
    program: Program
    v1: ProgramVersion


@pytest.fixture
def simpro_draft(db) -> Simpro:
    """Simpro's program loaded from its seed file: v1, still a draft."""
    tenant = TenantFactory(slug="simpro", name="Simpro")
    load_seed("simpro")
    with tenant_scope(tenant):
        v1 = ProgramVersion.objects.select_related("program").get()
    return Simpro(tenant, v1.program, v1)


@pytest.fixture
def simpro(simpro_draft) -> Simpro:
    """Simpro's v1 published, effective 2024-01-01."""
    with tenant_scope(simpro_draft.tenant):
        program_version_publish(
            tenant=simpro_draft.tenant, version=simpro_draft.v1, effective_from=V1_FROM
        )
    return simpro_draft


def closed_won_threshold(version: ProgramVersion) -> Decimal:
    return Requirement.objects.get(version=version, key="closed-won").threshold


def edited_draft(s: Simpro, *, threshold: int = 12) -> ProgramVersion:
    """A draft copied from v1 with the closed-won threshold changed (call inside the scope)."""
    draft = program_draft_from(tenant=s.tenant, version=s.v1)
    Requirement.objects.filter(version=draft, key="closed-won").update(threshold=threshold)
    return draft


# --- a published version is frozen ---------------------------------------------------------


def test_saving_a_published_version_is_refused(simpro):
    with tenant_scope(simpro.tenant):
        # given the published v1, fetched afresh and edited in memory
        version = ProgramVersion.objects.get(pk=simpro.v1.pk)
        version.label = "Rewritten history"

        # when it is saved
        with pytest.raises(PublishedVersionError) as refused:
            version.save()

        # then the error says to make a new draft, and the stored label is unchanged
        assert "create a new draft" in str(refused.value)
        assert refused.value.version_id == simpro.v1.pk
        assert ProgramVersion.objects.get(pk=simpro.v1.pk).label == "Partner Program Guidelines"


def test_deleting_a_published_version_is_refused(simpro):
    with tenant_scope(simpro.tenant):
        # when the published v1 is deleted
        with pytest.raises(PublishedVersionError):
            ProgramVersion.objects.get(pk=simpro.v1.pk).delete()

        # then it is still there
        assert ProgramVersion.objects.filter(pk=simpro.v1.pk).exists()


ROW_MODELS = [
    pytest.param(Tier, "name", id="tier"),
    pytest.param(Requirement, "label", id="requirement"),
    pytest.param(Track, "name", id="track"),
    pytest.param(Benefit, "name", id="benefit"),
    pytest.param(CommissionRule, "name", id="commission-rule"),
]


@pytest.mark.parametrize(("model", "attribute"), ROW_MODELS)
def test_saving_a_row_of_a_published_version_is_refused(simpro, model, attribute):
    with tenant_scope(simpro.tenant):
        # given one row of the published v1, edited in memory
        row = model.objects.filter(version=simpro.v1).first()
        original = getattr(row, attribute)
        setattr(row, attribute, "Changed after publishing")

        # when it is saved
        with pytest.raises(PublishedVersionError):
            row.save()

        # then the stored row is unchanged
        assert getattr(model.objects.get(pk=row.pk), attribute) == original


@pytest.mark.parametrize(("model", "attribute"), ROW_MODELS)
def test_deleting_a_row_of_a_published_version_is_refused(simpro, model, attribute):
    with tenant_scope(simpro.tenant):
        # given one row of the published v1
        row = model.objects.filter(version=simpro.v1).first()

        # when it is deleted
        with pytest.raises(PublishedVersionError):
            row.delete()

        # then it still exists
        assert model.objects.filter(pk=row.pk).exists()


def test_adding_a_tier_to_a_published_version_is_refused(simpro):
    with tenant_scope(simpro.tenant):
        # when a new tier is created in the published v1
        with pytest.raises(PublishedVersionError):
            Tier.objects.create(
                tenant=simpro.tenant,
                version=simpro.v1,
                key="diamond",
                name="Diamond",
                rank=3,
                source="added later",
            )

        # then v1 still has its three tiers
        assert list(Tier.objects.filter(version=simpro.v1).values_list("key", flat=True)) == [
            "registered",
            "select",
            "premier",
        ]


def test_bulk_update_of_a_published_versions_tiers_is_refused(simpro):
    with tenant_scope(simpro.tenant):
        # when every tier of v1 is renamed in one UPDATE
        with pytest.raises(PublishedVersionError):
            Tier.objects.filter(version=simpro.v1).update(name="x")

        # then no tier is called "x"
        assert not Tier.objects.filter(version=simpro.v1, name="x").exists()


def test_bulk_update_of_a_published_versions_requirements_is_refused(simpro):
    with tenant_scope(simpro.tenant):
        # when every requirement threshold of v1 is zeroed in one UPDATE
        with pytest.raises(PublishedVersionError):
            Requirement.objects.filter(version=simpro.v1).update(threshold=0)

        # then closed-won still needs 10
        assert closed_won_threshold(simpro.v1) == Decimal(10)


def test_bulk_delete_of_a_published_versions_tiers_is_refused(simpro):
    with tenant_scope(simpro.tenant):
        count = Tier.objects.filter(version=simpro.v1).count()

        # when every tier of v1 is deleted in one DELETE
        with pytest.raises(PublishedVersionError):
            Tier.objects.filter(version=simpro.v1).delete()

        # then every tier (and requirement) is still there
        assert Tier.objects.filter(version=simpro.v1).count() == count == 3
        assert Requirement.objects.filter(version=simpro.v1, key="closed-won").exists()


def test_a_drafts_rows_can_still_be_edited(simpro_draft):
    with tenant_scope(simpro_draft.tenant):
        # given v1 is still a draft
        # when its tiers are renamed and one requirement is changed
        Tier.objects.filter(version=simpro_draft.v1, key="select").update(name="Select Plus")
        requirement = Requirement.objects.get(version=simpro_draft.v1, key="closed-won")
        requirement.threshold = 11
        requirement.save()

        # then the changes are stored
        assert Tier.objects.get(version=simpro_draft.v1, key="select").name == "Select Plus"
        assert closed_won_threshold(simpro_draft.v1) == Decimal(11)


RAW_WRITES = [
    pytest.param("UPDATE programs_tier SET name = 'x' WHERE version_id = %s", id="update-tier"),
    pytest.param("DELETE FROM programs_requirement WHERE version_id = %s", id="delete-requirement"),
    pytest.param(
        "UPDATE programs_programversion SET label = 'x' WHERE id = %s", id="update-version"
    ),
    pytest.param(
        "INSERT INTO programs_benefit (tenant_id, version_id, key, position, source, name, "
        "category, tiers, tracks, note) SELECT tenant_id, id, 'extra', 99, 's', 'Extra', '', "
        "'[]', '[]', '' FROM programs_programversion WHERE id = %s",
        id="insert-benefit",
    ),
]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
@pytest.mark.parametrize("sql", RAW_WRITES)
def test_the_database_refuses_raw_sql_on_a_published_version(simpro, sql):
    # given the published v1
    with tenant_scope(simpro.tenant):
        requirements = Requirement.objects.filter(version=simpro.v1).count()

    # when raw SQL bypasses the ORM to change it (in the vendor's scope: RLS lets it see the rows)
    with (
        tenant_scope(simpro.tenant),
        pytest.raises(IntegrityError) as refused,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [simpro.v1.pk])

    # then the trigger names the version, and nothing changed
    assert f"program version {simpro.v1.pk} is published and cannot change" in str(refused.value)
    with tenant_scope(simpro.tenant):
        assert not Tier.objects.filter(version=simpro.v1, name="x").exists()
        assert Requirement.objects.filter(version=simpro.v1).count() == requirements
        assert closed_won_threshold(simpro.v1) == Decimal(10)
        assert not Benefit.objects.filter(version=simpro.v1, key="extra").exists()
        assert ProgramVersion.objects.get(pk=simpro.v1.pk).label == "Partner Program Guidelines"


@dataclass
class RecordingSchemaEditor:
    """Stands in for Django's PostgreSQL schema editor and records what it is asked to run."""

    connection: object = field(default_factory=lambda: type("C", (), {"vendor": "postgresql"}))
    calls: list[tuple[str, object]] = field(default_factory=list)

    def execute(self, sql, params=()):
        self.calls.append((sql, params))


def test_the_trigger_migration_sql_survives_postgresql_parameter_formatting():
    # given the migration that installs the triggers, run against a PostgreSQL schema editor
    migration = importlib.import_module("programs.migrations.0002_published_versions_are_frozen")
    editor = RecordingSchemaEditor()

    # when it creates the triggers
    migration.create(None, editor)

    # then every statement survives the client-side parameter formatting Django applies to
    # statements executed with params (params=None skips it)
    assert editor.calls
    for sql, params in editor.calls:
        formatted = sql if params is None else sql % tuple(params)
        assert "RAISE EXCEPTION 'program version % is published" in formatted


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
def test_the_database_lets_raw_sql_change_a_draft(simpro_draft):
    # given v1 is still a draft
    # when raw SQL renames its tiers (in the vendor's scope: RLS lets it see the rows)
    with tenant_scope(simpro_draft.tenant), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE programs_tier SET name = 'x' WHERE version_id = %s", [simpro_draft.v1.pk]
        )

    # then the trigger let it through
    with tenant_scope(simpro_draft.tenant):
        assert Tier.objects.filter(version=simpro_draft.v1, name="x").count() == 3


# --- publishing -----------------------------------------------------------------------------


def test_publishing_a_draft_freezes_it_and_records_who_and_when(simpro_draft):
    # given a manager and the draft v1
    manager = UserFactory(email="manager@simpro.test")
    before = timezone.now()

    # when the manager publishes it
    with tenant_scope(simpro_draft.tenant):
        published = program_version_publish(
            tenant=simpro_draft.tenant, version=simpro_draft.v1, user=manager
        )
        stored = ProgramVersion.objects.get(pk=simpro_draft.v1.pk)

    # then it is published, at the file's effective date, by the manager, just now
    assert published.pk == stored.pk
    assert stored.status == VersionStatus.PUBLISHED
    assert stored.is_published
    assert stored.effective_from == V1_FROM
    assert stored.published_by == manager
    assert before <= stored.published_at <= timezone.now()


def test_publishing_with_a_new_effective_date_moves_it(simpro_draft):
    # when the draft is published effective 2024-03-01
    with tenant_scope(simpro_draft.tenant):
        program_version_publish(
            tenant=simpro_draft.tenant,
            version=simpro_draft.v1,
            effective_from=datetime.date(2024, 3, 1),
        )
        stored = ProgramVersion.objects.get(pk=simpro_draft.v1.pk)
        document = version_document(stored)

    # then that is the date it governs from
    assert stored.effective_from == datetime.date(2024, 3, 1)
    assert document["version"]["effective_from"] == "2024-03-01"


@pytest.mark.parametrize(
    "effective_from",
    [V1_FROM, datetime.date(2023, 6, 1)],
    ids=["same-day-as-v1", "before-v1"],
)
def test_publishing_not_after_the_version_in_force_is_refused(simpro, effective_from):
    with tenant_scope(simpro.tenant):
        # given v2 drafted from the published v1
        draft = edited_draft(simpro)

        # when v2 is published effective on or before v1's date
        with pytest.raises(ApplicationError) as refused:
            program_version_publish(
                tenant=simpro.tenant, version=draft, effective_from=effective_from
            )

        # then the refusal names v1's date and v2 stays a draft
        assert "The effective date must be after 2024-01-01, when v1 took effect" in str(
            refused.value
        )
        assert refused.value.fields == {
            "effective_from": ["Must be later than the version in force."]
        }
        assert ProgramVersion.objects.get(pk=draft.pk).status == VersionStatus.DRAFT


def test_publishing_a_published_version_again_is_refused(simpro):
    with tenant_scope(simpro.tenant):
        published_at = ProgramVersion.objects.get(pk=simpro.v1.pk).published_at

        # when v1 is published again
        with pytest.raises(PublishedVersionError):
            program_version_publish(tenant=simpro.tenant, version=simpro.v1, effective_from=V2_FROM)

        # then its date and publication time are unchanged
        stored = ProgramVersion.objects.get(pk=simpro.v1.pk)
        assert stored.effective_from == V1_FROM
        assert stored.published_at == published_at


def test_two_stale_copies_of_a_draft_publish_once(simpro_draft):
    with tenant_scope(simpro_draft.tenant):
        # given two managers holding the same draft
        first = ProgramVersion.objects.get(pk=simpro_draft.v1.pk)
        second = ProgramVersion.objects.get(pk=simpro_draft.v1.pk)

        # when both publish it
        program_version_publish(tenant=simpro_draft.tenant, version=first)
        with pytest.raises(PublishedVersionError):
            program_version_publish(
                tenant=simpro_draft.tenant, version=second, effective_from=V2_FROM
            )

        # then it was published once, at the first manager's date
        assert ProgramVersion.objects.get(pk=simpro_draft.v1.pk).effective_from == V1_FROM


def test_publishing_another_vendors_version_is_refused(simpro_draft):
    # given a second vendor
    other = TenantFactory(slug="ipsoft", name="IPsoft")

    # when it tries to publish Simpro's draft
    with tenant_scope(simpro_draft.tenant), pytest.raises(ApplicationError) as refused:
        program_version_publish(tenant=other, version=simpro_draft.v1)

    # then it is refused and the draft stays a draft
    assert str(refused.value) == "This version belongs to another vendor."
    with tenant_scope(simpro_draft.tenant):
        assert ProgramVersion.objects.get(pk=simpro_draft.v1.pk).status == VersionStatus.DRAFT


def test_a_draft_that_no_longer_validates_cannot_be_published(simpro_draft):
    with tenant_scope(simpro_draft.tenant):
        # given the draft's premier tier moved to rank 5 (a gap)
        Tier.objects.filter(version=simpro_draft.v1, key="premier").update(rank=5)

        # when it is published
        with pytest.raises(DefinitionError) as refused:
            program_version_publish(tenant=simpro_draft.tenant, version=simpro_draft.v1)

        # then the problem names the tier's path and the draft stays a draft
        assert any(p.startswith("tiers[2].rank: ") for p in refused.value.problems)
        assert ProgramVersion.objects.get(pk=simpro_draft.v1.pk).status == VersionStatus.DRAFT


# --- which version is in force --------------------------------------------------------------


def test_the_version_in_force_follows_the_effective_dates(simpro):
    with tenant_scope(simpro.tenant):
        # given v2, drafted from v1, edited and published effective 2025-07-01
        v2 = edited_draft(simpro)
        program_version_publish(tenant=simpro.tenant, version=v2, effective_from=V2_FROM)

        # when asking which version governs on each date
        def number_on(day: datetime.date) -> int | None:
            version = version_in_force(simpro.program, day)
            return version.number if version else None

        # then v1 governs until 2025-06-30, v2 from 2025-07-01, nothing before 2024-01-01
        assert number_on(datetime.date(2023, 12, 31)) is None
        assert number_on(V1_FROM) == 1
        assert number_on(datetime.date(2025, 6, 30)) == 1
        assert number_on(V2_FROM) == 2
        assert number_on(datetime.date(2030, 1, 1)) == 2
        assert closed_won_threshold(version_in_force(simpro.program, V2_FROM)) == Decimal(12)


def test_a_draft_is_never_in_force(simpro_draft):
    with tenant_scope(simpro_draft.tenant):
        # given only a draft v1 effective 2024-01-01
        # when asking which version governs long after
        # then there is none
        assert version_in_force(simpro_draft.program, datetime.date(2030, 1, 1)) is None


# --- new drafts -----------------------------------------------------------------------------


def test_a_new_draft_copies_its_source_exactly(simpro):
    with tenant_scope(simpro.tenant):
        # when a draft is started from the published v1
        draft = program_draft_from(tenant=simpro.tenant, version=simpro.v1)

        # then it is v2, a draft, and says exactly what v1 says
        assert (draft.number, draft.status) == (2, VersionStatus.DRAFT)
        assert canonical(version_document(draft)) == canonical(version_document(simpro.v1))


def test_a_new_draft_differs_from_its_source_only_where_edited(simpro):
    with tenant_scope(simpro.tenant):
        # given a draft from v1 with the closed-won threshold raised to 12
        draft = edited_draft(simpro, threshold=12)

        # when both are turned into documents
        old = canonical(version_document(simpro.v1))
        new = canonical(version_document(draft))

        # then putting v1's threshold back makes them equal
        tier = next(t for t in new["tiers"] if t["key"] == "select")
        requirement = next(r for r in tier["requirements"] if r["key"] == "closed-won")
        assert requirement["threshold"] == "12"
        requirement["threshold"] = "10"
        assert new == old


def test_a_new_draft_is_refused_while_a_draft_exists(simpro):
    with tenant_scope(simpro.tenant):
        # given an open draft v2
        program_draft_from(tenant=simpro.tenant, version=simpro.v1)

        # when another draft is started
        with pytest.raises(ApplicationError) as refused:
            program_draft_from(tenant=simpro.tenant, version=simpro.v1)

        # then it is refused by name and there is no v3
        assert str(refused.value) == (
            "Simpro Partner Program already has a draft; edit or publish that one first."
        )
        assert list(
            ProgramVersion.objects.filter(program=simpro.program)
            .order_by("number")
            .values_list("number", flat=True)
        ) == [1, 2]


# --- diffs ----------------------------------------------------------------------------------


def test_the_diff_shows_the_edited_threshold(simpro):
    with tenant_scope(simpro.tenant):
        # given v2 with the closed-won threshold changed from 10 to 12
        draft = edited_draft(simpro, threshold=12)

        # when v1 and v2 are compared
        diff = version_diff(simpro.v1, draft)

    # then the diff removes the old threshold and adds the new one, nothing else
    lines = diff.splitlines()
    assert lines[:2] == ["--- v1", "+++ v2"]
    removed = [line for line in lines[2:] if line.startswith("-")]
    added = [line for line in lines[2:] if line.startswith("+")]
    assert [line.strip("- ") for line in removed] == ["threshold: '10'"]
    assert [line.strip("+ ") for line in added] == ["threshold: '12'"]
    assert "metric: closed_won_opportunities" in diff


def test_the_diff_of_identical_versions_is_empty(simpro):
    with tenant_scope(simpro.tenant):
        # given v2 copied from v1 and not edited
        draft = program_draft_from(tenant=simpro.tenant, version=simpro.v1)

        # when they are compared
        # then there is nothing to show
        assert version_diff(simpro.v1, draft) == ""


# --- tenants --------------------------------------------------------------------------------


def test_another_vendors_program_is_invisible_inside_a_tenant_scope(cast):
    # given Simpro (tenant A) and IPsoft (tenant B) both publish a "partner-program"
    load_seed("simpro", publish=True)
    load_seed("ipsoft", publish=True)
    with tenant_scope(cast.tenant_b):
        ipsoft_program = Program.objects.get()
        ipsoft_version = ProgramVersion.objects.get()
        assert version_in_force(ipsoft_program, datetime.date(2030, 1, 1)) == ipsoft_version

    # when tenant A's scope looks
    with tenant_scope(cast.tenant_a):
        programs = list(Program.objects.all())
        sees_ipsoft = Program.objects.filter(pk=ipsoft_program.pk).exists()
        ipsoft_tiers = Tier.objects.filter(version_id=ipsoft_version.pk).count()
        in_force = version_in_force(ipsoft_program, datetime.date(2030, 1, 1))

    # then only Simpro's program is there; IPsoft's program, version and rows are not
    assert [p.name for p in programs] == ["Simpro Partner Program"]
    assert not sees_ipsoft
    assert ipsoft_tiers == 0
    assert in_force is None
    with pytest.raises(Program.DoesNotExist), tenant_scope(cast.tenant_a):
        Program.objects.get(pk=ipsoft_program.pk)
