from pathlib import Path

import pytest
from django.core.management import call_command

from programs.models import Program, ProgramVersion
from tenants.scope import tenant_scope

DEFINITIONS = Path(__file__).resolve().parents[2] / "programs" / "definitions"


@pytest.fixture
def published(cast):
    """Simpro's (tenant A) and IPsoft's (tenant B) programs loaded and v1 published."""
    call_command(
        "load_programs",
        str(DEFINITIONS / "simpro.yaml"),
        str(DEFINITIONS / "ipsoft.yaml"),
        publish=True,
    )
    with tenant_scope(cast.tenant_a):
        simpro = ProgramVersion.objects.select_related("program").get(
            program__slug="partner-program"
        )
    with tenant_scope(cast.tenant_b):
        ipsoft = ProgramVersion.objects.select_related("program").get(
            program__slug="partner-program"
        )
    return simpro, ipsoft


def program_of(tenant, slug="partner-program") -> Program:
    with tenant_scope(tenant):
        return Program.objects.get(slug=slug)
