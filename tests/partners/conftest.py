import datetime
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command

from programs.models import Program
from tenants.scope import tenant_scope
from tests.factories import TenantFactory, UserFactory

DEFINITIONS = Path(__file__).resolve().parents[2] / "programs" / "definitions"
VENDORS = {
    "entimo": "Entimo",
    "simpro": "Simpro",
    "ipsoft": "IPsoft",
    "cimcloud": "CIMcloud",
}


def load_program(slug: str):
    """Create the vendor (if needed), load and publish its seed program; return the program."""
    tenant = TenantFactory(slug=slug, name=VENDORS[slug])
    call_command("load_programs", str(DEFINITIONS / f"{slug}.yaml"), publish=True)
    with tenant_scope(tenant):
        return tenant, Program.objects.get()


@pytest.fixture
def frozen():
    """Pin 'today' (tests pass their own dates to services; pages use the clock)."""
    with time_machine.travel(datetime.datetime(2025, 4, 15, 12, tzinfo=datetime.UTC), tick=False):
        yield datetime.date(2025, 4, 15)


@pytest.fixture
def applicant(db):
    return UserFactory(email="founder@newfirm.test")
