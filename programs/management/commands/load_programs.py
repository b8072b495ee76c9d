"""Load program definition files into versioned data (idempotent)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from programs.errors import DefinitionError
from programs.services import (
    parse_definition,
    program_definition_load,
    program_version_publish,
)
from tenants.errors import ApplicationError
from tenants.models import Tenant
from tenants.scope import tenant_scope

DEFINITIONS_DIR = Path(__file__).resolve().parents[2] / "definitions"


class Command(BaseCommand):
    help = (
        "Load program definition files (default: programs/definitions/*.yaml). The same file "
        "again changes nothing; a changed file becomes a new draft (or updates the open one). "
        "A file with any error loads nothing; every field problem is listed (cross-references "
        "are checked once the fields are valid)."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", type=Path)
        parser.add_argument("--tenant", help="Only load files for this tenant slug.")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish each new draft at the effective date the file gives.",
        )

    def handle(self, *args, files: list[Path], tenant: str | None, publish: bool, **options):
        paths = files or sorted(DEFINITIONS_DIR.glob("*.yaml"))
        failures = 0
        for path in paths:
            try:
                self._load(path, tenant, publish)
            except (DefinitionError, ApplicationError, OSError) as exc:
                failures += 1
                self.stderr.write(self.style.ERROR(str(exc)))
        if failures:
            raise CommandError(f"{failures} of {len(paths)} file(s) not loaded; nothing of them.")

    @transaction.atomic
    def _load(self, path: Path, only_tenant: str | None, publish: bool) -> None:
        definition = parse_definition(path.read_text(encoding="utf-8"), where=str(path))
        if only_tenant and definition.tenant != only_tenant:
            return
        tenant = Tenant.objects.filter(slug=definition.tenant).first()
        if tenant is None:
            raise DefinitionError(str(path), [f"tenant: no vendor {definition.tenant!r} exists"])
        with tenant_scope(tenant):
            result = program_definition_load(
                tenant=tenant, definition=definition, source_file=str(path)
            )
            message = f"{path.name}: {result.program} v{result.version.number} — {result.outcome}"
            if publish and result.outcome != "unchanged":
                program_version_publish(tenant=tenant, version=result.version)
                message += ", published"
        self.stdout.write(message)
