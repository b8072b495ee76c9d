"""Import a vendor's customers, orders or refunds from a CSV file: all of it, or nothing."""

from pathlib import Path
from typing import TextIO

from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from deals.imports import STAFF_KINDS, ImportRefused, csv_import
from tenants.scope import tenant_scope
from tenants.selectors import tenant_by_slug


class ProgressBar:
    """`Checking [#######.............]  35%  350/1000` on one line of stderr."""

    WIDTH = 30

    def __init__(self, stream: OutputWrapper | TextIO):
        self.stream = stream
        self.shown: tuple[str, int] | None = None

    def _write(self, text: str) -> None:
        if isinstance(self.stream, OutputWrapper):
            self.stream.write(text, style_func=lambda x: x, ending="")
        else:
            self.stream.write(text)
        self.stream.flush()

    def __call__(self, stage: str, done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        if self.shown == (stage, percent):
            return  # redraw only when the bar moves: 100 writes per stage at most
        self.shown = (stage, percent)
        filled = self.WIDTH * done // total if total else self.WIDTH
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self._write(f"\r{stage.capitalize():<9} [{bar}] {percent:3d}%  {done}/{total}")
        if done >= total:
            self._write("\n")


class Command(BaseCommand):
    help = (
        "Import customers, orders or refunds from a UTF-8 CSV file (formats: docs/imports.md). "
        "Every row is checked first; any problem lists every bad row and imports nothing. "
        "Importing the same file again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--tenant", required=True, help="The vendor's slug.")
        parser.add_argument("--kind", required=True, choices=STAFF_KINDS)

    def handle(self, *args, file: Path, tenant: str, kind: str, verbosity: int, **options):
        vendor = tenant_by_slug(tenant)
        if vendor is None:
            raise CommandError(f"No active vendor with slug {tenant!r}.")
        progress = ProgressBar(self.stderr) if verbosity >= 1 else None
        try:
            handle = file.open("rb")
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from None
        with handle, tenant_scope(vendor):
            try:
                result = csv_import(tenant=vendor, kind=kind, file=handle, progress=progress)
            except ImportRefused as refused:
                for error in refused.errors:
                    self.stderr.write(str(error))
                raise CommandError(f"{file.name}: {refused.message}") from None
        self.stdout.write(self.style.SUCCESS(f"{file.name}: {kind} {result}."))
