"""What-if over money: replay a program version over past quarters and print what changes."""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from commissions import whatif_report as report
from commissions.whatif import last_four_quarters, what_if
from deals.management.commands.import_csv import ProgressBar
from programs.models import Program, ProgramVersion
from tenants.models import Tenant
from tenants.scope import tenant_scope

SHOWN = 20  # partners printed, biggest change first; --csv writes every one


class Command(BaseCommand):
    help = (
        "Replay a program version (usually the draft) over a past range: tiers at each of its "
        "evaluation dates and every completed order's commission; prints totals, the change "
        "per month and the partners most affected. Stores nothing. "
        "Default range: the last four closed quarters."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # here --version names the program version, not Django's (which `django-admin
        # --version` still prints)
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("tenant", help="The vendor's slug.")
        parser.add_argument("program", help="The program's slug.")
        parser.add_argument("--version", type=int, help="Version number (default: the draft).")
        parser.add_argument("--from", dest="start", type=datetime.date.fromisoformat)
        parser.add_argument("--to", dest="end", type=datetime.date.fromisoformat)
        parser.add_argument("--csv", type=Path, help="Also write every partner to this file.")
        parser.add_argument("--chunk", type=int, default=5000)

    def handle(self, *args, tenant, program, version, start, end, csv, chunk, **options):
        vendor = Tenant.objects.filter(slug=tenant).first()
        if vendor is None:
            raise CommandError(f"No vendor {tenant!r}.")
        default_start, default_end = last_four_quarters(timezone.localdate())
        start, end = start or default_start, end or default_end
        if start > end:
            raise CommandError("--to must be on or after --from.")
        with tenant_scope(vendor):
            chosen = self._version(vendor, program, version)
            progress = ProgressBar(self.stderr) if options["verbosity"] >= 1 else None
            result = what_if(chosen, start, end, chunk=chunk, progress=progress)
            self._print(result)
            if csv:
                csv.write_text(report.as_csv(result), encoding="utf-8")
                self.stdout.write(f"Wrote {len(result.partners)} partners to {csv}.")

    def _version(self, vendor, slug: str, number: int | None) -> ProgramVersion:
        program = Program.objects.filter(tenant=vendor, slug=slug).first()
        if program is None:
            raise CommandError(f"No program {slug!r} at {vendor.name}.")
        versions = ProgramVersion.objects.filter(program=program)
        chosen = versions.filter(number=number) if number else versions.filter(status="draft")
        if not chosen.exists():
            raise CommandError(
                f"{program} has no version {number}." if number else f"{program} has no draft."
            )
        return chosen.get()

    def _print(self, result) -> None:
        for line in report.summary_lines(result):
            self.stdout.write(line)
        self.stdout.write("")
        chart = report.month_chart(result)
        self.stdout.write(" | ".join(chart.columns))
        for row in chart.rows:
            self.stdout.write(" | ".join(row))
        self.stdout.write("")
        self.stdout.write(f"Partners, biggest change first (up to {SHOWN}):")
        partners = report.by_impact(result)[:SHOWN]
        for firm, real, simulated, *money in report.partner_rows(result, partners):
            self.stdout.write(f"  {firm}: {' / '.join(money)}")
            if real != simulated:
                self.stdout.write(f"    real: {real}\n    simulated: {simulated}")
