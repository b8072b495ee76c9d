"""Evaluate (or, with --dry-run / --version, simulate) a program's tiers for a period."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from programs.models import Program, ProgramVersion
from programs.selectors import version_in_force
from tenants.models import Tenant
from tenants.scope import tenant_scope
from tiers.services import live_enrolments, tiers_evaluate
from tiers.simulation import simulate
from tiers.windows import as_of, parse_period


class Command(BaseCommand):
    help = (
        "Evaluate tiers: --period 2025-Q1 | 2025 | 2025-04-15 (as of a day; default today). "
        "--dry-run shows who would move and why without storing anything; --simulate-version N "
        "simulates another (e.g. draft) version of the program."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True)
        parser.add_argument("--program", help="Program slug (default: every program).")
        parser.add_argument("--period")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--simulate-version", type=int, help="Simulate this version number.")
        parser.add_argument("--chunk", type=int, default=5000)

    def handle(self, *args, tenant, program, period, dry_run, simulate_version, chunk, **options):
        vendor = Tenant.objects.filter(slug=tenant).first()
        if vendor is None:
            raise CommandError(f"No vendor {tenant!r}.")
        period = parse_period(period) if period else as_of(timezone.localdate())
        with tenant_scope(vendor):
            programs = Program.objects.filter(tenant=vendor)
            if program:
                programs = programs.filter(slug=program)
            if not programs:
                raise CommandError(f"No program {program!r} at {vendor.name}.")
            for each in programs:
                self._run(
                    vendor,
                    each,
                    period,
                    dry_run or simulate_version is not None,
                    simulate_version,
                    chunk,
                )

    def _progress(self, done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        self.stderr.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending="")
        if done == total:
            self.stderr.write("")

    def _run(self, tenant, program, period, simulate_only, number, chunk) -> None:
        version = (
            ProgramVersion.objects.filter(program=program, number=number).first()
            if number is not None
            else version_in_force(program, period.end)
        )
        if version is None:
            raise CommandError(f"{program}: no such version in force or numbered {number}.")
        self.stdout.write(f"{program} v{version.number} ({version.status}), {period.key}")
        if simulate_only:
            result = simulate(version, period, chunk=chunk, progress=self._progress)
            for (before, after), count in sorted(result.moves.items()):
                self.stdout.write(f"  {before} -> {after}: {count}")
            for firm, before, after, why in result.explained_moves(limit=20):
                self.stdout.write(f"  {firm}: {before} -> {after}; " + "; ".join(why[:4]))
            self.stdout.write(f"  (dry run: nothing stored; {len(result.outcomes)} evaluated)")
            return
        enrolments = live_enrolments(program)
        stored = 0
        for start in range(0, len(enrolments), chunk):
            stored += len(
                tiers_evaluate(
                    tenant=tenant,
                    program=program,
                    period=period,
                    enrolments=enrolments[start : start + chunk],
                )
            )
            self._progress(min(start + chunk, len(enrolments)), len(enrolments))
        self.stdout.write(
            f"  stored {stored} evaluation(s); already evaluated: {len(enrolments) - stored}"
        )
