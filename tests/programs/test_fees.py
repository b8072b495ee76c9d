"""Joining fees per IPsoft's schedule: whole year before March 1, then by quarters left."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
import yaml
from django.core.management import call_command

from programs.fees import fee_due
from programs.management.commands.load_programs import DEFINITIONS_DIR
from programs.models import ProgramVersion
from programs.services import program_definition_load, program_version_publish, validate_document
from tenants.models import Tenant
from tenants.scope import tenant_scope
from tests.factories import TenantFactory

IPSOFT_FILE = DEFINITIONS_DIR / "ipsoft.yaml"


def ipsoft_document() -> dict:
    return yaml.safe_load(IPSOFT_FILE.read_text(encoding="utf-8"))


def annual_amount(document: dict, track: str) -> Decimal:
    """The annual fee the file gives for `track`."""
    (amount,) = [f["amount"] for f in document["fees"]["annual"] if f.get("track") == track]
    return Decimal(amount)


IMPLEMENTATION_FEE = annual_amount(ipsoft_document(), "implementation")


def publish_seed(name: str) -> ProgramVersion:
    """Create the seed's vendor, load its file with --publish and return the published v1."""
    tenant = TenantFactory(slug=name, name=name.title())
    call_command(
        "load_programs",
        str(DEFINITIONS_DIR / f"{name}.yaml"),
        publish=True,
        stdout=StringIO(),
        stderr=StringIO(),
    )
    with tenant_scope(tenant):
        return ProgramVersion.objects.select_related("tenant", "program").get(status="published")


def publish_document(tenant: Tenant, document: dict) -> ProgramVersion:
    """Load and publish an edited definition document for `tenant`."""
    definition = validate_document(document, where="edited.yaml")
    with tenant_scope(tenant):
        result = program_definition_load(tenant=tenant, definition=definition)
        version = program_version_publish(tenant=tenant, version=result.version)
        return ProgramVersion.objects.select_related("program").get(pk=version.pk)


@pytest.fixture
def ipsoft(db) -> ProgramVersion:
    return publish_seed("ipsoft")


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"))


@pytest.mark.parametrize(
    ("joined_on", "share"),
    [
        pytest.param(datetime.date(2025, 1, 1), Decimal(1), id="new-year's-day"),
        pytest.param(datetime.date(2025, 2, 14), Decimal(1), id="february"),
        pytest.param(datetime.date(2025, 2, 28), Decimal(1), id="day-before-cutoff"),
        pytest.param(datetime.date(2025, 3, 1), Decimal(1), id="march-1-still-q1"),
        pytest.param(datetime.date(2025, 3, 31), Decimal(1), id="end-of-q1"),
        pytest.param(datetime.date(2025, 4, 15), Decimal("0.75"), id="mid-april"),
        pytest.param(datetime.date(2025, 7, 1), Decimal("0.5"), id="july"),
        pytest.param(datetime.date(2025, 11, 20), Decimal("0.25"), id="november"),
        pytest.param(datetime.date(2025, 12, 31), Decimal("0.25"), id="new-year's-eve"),
    ],
)
def test_implementation_fee_by_joining_date(ipsoft, joined_on, share):
    # given IPsoft's published schedule
    # when an implementation partner joins on the date
    due = fee_due(ipsoft, joined_on=joined_on, track="implementation")

    # then it pays the annual fee times the quarters left (joining quarter counted whole)
    assert due == cents(IMPLEMENTATION_FEE * share)


def test_each_track_pays_its_own_fee(ipsoft):
    # given the file's four track fees
    document = ipsoft_document()

    # when a partner of each track joins in February
    # then each pays its track's whole annual fee
    for track in ("advisor", "alliance", "implementation", "solution"):
        due = fee_due(ipsoft, joined_on=datetime.date(2025, 2, 10), track=track)
        assert due == cents(annual_amount(document, track)), track


def test_rejoining_in_the_same_program_year_is_free(ipsoft):
    # given a partner re-joining in November of the same program year
    joined_on = datetime.date(2025, 11, 20)

    # when the fee is worked out
    due = fee_due(
        ipsoft, joined_on=joined_on, track="implementation", rejoining_same_program_year=True
    )

    # then nothing is due (while a first join that day would pay a quarter)
    assert due == Decimal("0.00")
    assert str(due) == "0.00"
    assert fee_due(ipsoft, joined_on=joined_on, track="implementation") > 0


@pytest.mark.parametrize(
    "joined_on",
    [datetime.date(2025, 2, 1), datetime.date(2025, 4, 15), datetime.date(2025, 11, 20)],
)
@pytest.mark.parametrize("track", ["advisor", "alliance", "implementation", "solution"])
def test_fees_are_decimals_in_cents(ipsoft, joined_on, track):
    # when any fee is worked out
    due = fee_due(ipsoft, joined_on=joined_on, track=track)

    # then it is a Decimal with exactly two decimal places
    assert isinstance(due, Decimal)
    assert due.as_tuple().exponent == -2


def test_pro_ration_rounds_half_up_to_the_cent(db):
    # given IPsoft's schedule with an advisor fee of 2,500.02
    tenant = TenantFactory(slug="ipsoft", name="IPsoft")
    document = ipsoft_document()
    advisor = next(f for f in document["fees"]["annual"] if f["track"] == "advisor")
    advisor["amount"] = "2500.02"
    version = publish_document(tenant, document)

    # when an advisor joins in November (one quarter: 625.005)
    due = fee_due(version, joined_on=datetime.date(2025, 11, 20), track="advisor")

    # then the half cent rounds up
    assert str(due) == "625.01"


def test_a_program_year_starting_in_july_counts_its_own_quarters(db):
    # given IPsoft's schedule moved to a program year from July 1 with the cutoff on September 1
    tenant = TenantFactory(slug="ipsoft", name="IPsoft")
    document = ipsoft_document()
    document["term"]["program_year_start"] = "07-01"
    document["fees"]["proration"]["full_year_before"] = "09-01"
    version = publish_document(tenant, document)

    def due(day: datetime.date) -> Decimal:
        return fee_due(version, joined_on=day, track="implementation")

    # when partners join across that program year
    # then August pays the whole year, mid-October three quarters, March a half, June a quarter
    assert due(datetime.date(2025, 8, 20)) == cents(IMPLEMENTATION_FEE)
    assert due(datetime.date(2025, 9, 1)) == cents(IMPLEMENTATION_FEE)
    assert due(datetime.date(2025, 10, 15)) == cents(IMPLEMENTATION_FEE * Decimal("0.75"))
    assert due(datetime.date(2026, 3, 10)) == cents(IMPLEMENTATION_FEE * Decimal("0.5"))
    assert due(datetime.date(2026, 6, 30)) == cents(IMPLEMENTATION_FEE * Decimal("0.25"))


def test_a_program_without_a_fee_schedule_charges_nothing(db):
    # given CIMcloud's published program, whose file has no fees section
    version = publish_seed("cimcloud")
    assert "fees" not in yaml.safe_load((DEFINITIONS_DIR / "cimcloud.yaml").read_text("utf-8"))
    assert version.fees is None

    # when a partner joins at any time
    due = fee_due(version, joined_on=datetime.date(2025, 11, 20))

    # then nothing is due
    assert due == 0
    assert str(due) == "0.00"
