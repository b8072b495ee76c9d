"""From completed orders to commission lines and accruals; from refunds to clawbacks.

Both work on a set of orders in a bounded number of queries, so a bulk import of
orders accrues at the same cost per order as a single completion.
"""

import datetime
from collections import defaultdict
from decimal import Decimal
from operator import itemgetter

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from commissions import ledger
from commissions.calculation import LineFacts, Rule, line_outcome
from commissions.models import CommissionLine, EntryKind, LedgerEntry
from deals.models import Order, OrderLine, Refund
from partners.models import Enrolment
from partners.selectors.standing import standings_on
from partners.selectors.tax import tax_document_valid_on, tax_document_validity
from programs.models import CommissionRule, Program, ProgramVersion, Tier, Track
from programs.selectors import version_in_force
from programs.serialization import rule_conditions, rule_tracks
from tenants import events
from tenants.bulk import insert_rows
from tenants.models import Tenant
from tenants.money import format_minor, round_minor
from tiers.selectors import tiers_held_on


def _rules_of(versions: list[ProgramVersion]) -> dict[int, list[Rule]]:
    rules: dict[int, list[Rule]] = defaultdict(list)
    rows = CommissionRule.objects.filter(version__in=versions).order_by("version", "position")
    track_names = dict(
        ((version, key), name)
        for version, key, name in Track.objects.filter(version__in=versions).values_list(
            "version_id", "key", "name"
        )
    )
    for row in rows:
        tracks = tuple(rule_tracks(row))
        names = [track_names.get((row.version_id, key), key) for key in tracks]
        rules[row.version_id].append(
            Rule(
                key=row.key,
                name=row.name,
                product_category=row.product_category,
                basis=row.basis,
                basis_months=row.basis_months,
                rates=row.rates,
                lead_source=row.lead_source,
                initial_purchase_only=row.initial_purchase_only,
                exclude_no_charge=row.exclude_no_charge,
                conditions=tuple(rule_conditions(row)),
                min_contract_months=row.min_contract_months,
                financial_benefit=row.financial_benefit,
                tracks=tracks,
                tracks_text=" or ".join(names),
            )
        )
    return rules


def _tier_names(versions: list[ProgramVersion]) -> dict[tuple[int, str], str]:
    rows = Tier.objects.filter(version__in=versions).values_list("version_id", "key", "name")
    return {(version, key): name for version, key, name in rows}


def _in_term(enrolment: Enrolment, day: datetime.date) -> bool:
    return enrolment.approved_at.date() <= day and (
        enrolment.ended_on is None or day <= enrolment.ended_on
    )


def _enrolment_for(candidates: list[Enrolment], day: datetime.date) -> Enrolment | None:
    """The firm's enrolment in a program that covered `day`, else its latest one."""
    if not candidates:
        return None
    covering = [e for e in candidates if _in_term(e, day)]
    return covering[0] if covering else max(candidates, key=lambda e: e.approved_at)


def _term_text(enrolment: Enrolment) -> str:
    end = f"{enrolment.ended_on:%Y-%m-%d}" if enrolment.ended_on else "open"
    return f"{enrolment.approved_at:%Y-%m-%d} to {end}"


#: What the rules read of an order's registration and customer, joined into the order's row.
_JOINED = {
    "registration_program_id": F("registration__program_id"),
    "registration_approved_on": F("registration__approved_on"),
    "registration_country": F("registration__country"),
    "customer_country": F("customer__country"),
}
_ORDER_READ = (
    "pk",
    "firm_id",
    "currency",
    "completed_on",
    "ordered_on",
    "is_initial_purchase",
    "lead_source",
    "reseller_of_record",
    "registration_id",
    *_JOINED,
)
_LINE_READ = (
    "pk",
    "order_id",
    "quantity",
    "price_minor",
    "list_price_minor",
    "discount_approved",
    "monthly_fee_minor",
    "initial_contract_months",
    "no_charge",
    "product_category",
)


def order_rows(orders: QuerySet[Order]) -> list:
    """The orders as named rows of what the rules read (`_ORDER_READ`), registration and
    customer joined in: a chunk is a thousand orders, and model instances for them and
    their related rows cost more than the calculation."""
    return list(orders.annotate(**_JOINED).values_list(*_ORDER_READ, named=True))


def _work(orders: list) -> list[tuple]:
    """(order, enrolment) pairs to calculate: the registration's program, else every program."""
    firm_ids = {o.firm_id for o in orders}
    by_firm_program: dict[tuple[int, int], list[Enrolment]] = defaultdict(list)
    programs_of: dict[int, set[int]] = defaultdict(set)
    enrolments = list(Enrolment.objects.filter(firm_id__in_ids=firm_ids))
    # a chunk's thousand enrolments share a few programs: one instance each, not a join per row
    programs = Program.objects.in_bulk({e.program_id for e in enrolments})
    program_field = Enrolment.program.field
    for enrolment in enrolments:
        program_field.set_cached_value(enrolment, programs[enrolment.program_id])
        by_firm_program[(enrolment.firm_id, enrolment.program_id)].append(enrolment)
        programs_of[enrolment.firm_id].add(enrolment.program_id)
    pairs = []
    for order in orders:
        programs = (
            [order.registration_program_id]
            if order.registration_id
            else sorted(programs_of[order.firm_id])
        )
        for program_id in programs:
            enrolment = _enrolment_for(
                by_firm_program[(order.firm_id, program_id)], order.completed_on
            )
            if enrolment is not None:
                pairs.append((order, enrolment))
    return pairs


def _contract_months(lines: list) -> int | None:
    """The order's initial contract period: the longest any of its lines states."""
    months = [x.initial_contract_months for x in lines if x.initial_contract_months]
    return max(months) if months else None


def lines_by_order(orders: list) -> dict[int, list]:
    """Each order's lines as named rows (`_LINE_READ`), in one query."""
    lines: dict[int, list] = {o.pk: [] for o in orders}
    rows = OrderLine.objects.filter(order_id__in_ids=lines.keys()).order_by("pk")
    for line in rows.values_list(*_LINE_READ, named=True):
        lines[line.order_id].append(line)
    return lines


def _facts(
    order,
    line,
    enrolment: Enrolment,
    tier: str | None,
    tier_name: str,
    tax: bool,
    contract_months: int | None,
    good_standing: bool,
) -> LineFacts:
    return LineFacts(
        currency=order.currency,
        completed_on=order.completed_on,
        ordered_on=order.ordered_on,
        is_initial_purchase=order.is_initial_purchase,
        lead_source=order.lead_source,
        reseller_of_record=order.reseller_of_record,
        registration_approved_on=order.registration_approved_on,
        contract_months=line.initial_contract_months or contract_months,
        amount_minor=0 if line.no_charge else line.price_minor * line.quantity,
        quantity=line.quantity,
        price_minor=line.price_minor,
        list_price_minor=line.list_price_minor,
        discount_approved=line.discount_approved,
        monthly_fee_minor=line.monthly_fee_minor,
        no_charge=line.no_charge,
        product_category=line.product_category,
        tier_key=tier,
        tier_name=tier_name,
        in_term=_in_term(enrolment, order.completed_on),
        good_standing=good_standing,
        tax_documents=tax,
        customer_country=_customer_country(order),
        **_partner_side(enrolment),
    )


def _partner_side(enrolment: Enrolment) -> dict:
    """What the rules read of the enrolment itself, the same for each of its lines: read
    once per enrolment (cached on the instance, which lives for one chunk of orders)."""
    cached = getattr(enrolment, "_partner_side", None)
    if cached is None:
        cached = enrolment._partner_side = {
            "term_text": _term_text(enrolment),
            "financial_benefit": enrolment.financial_benefit,
            "tracks": tuple(enrolment.tracks),
            "territories": tuple(t.upper() for t in enrolment.territories),
        }
    return cached


def _customer_country(order) -> str:
    """The customer's country; where its record has none, the registered prospect's."""
    return (order.customer_country or order.registration_country or "").upper()


def accrual_key(order_line_id: int, program_id: int) -> str:
    """The idempotency key of a commission line's accrual entry."""
    return f"accrual:line:{order_line_id}:program:{program_id}"


LINE_FIELDS = (
    "tenant_id",
    "order_id",
    "order_line_id",
    "firm_id",
    "program_id",
    "version_id",
    "rule_key",
    "rule_name",
    "tier_key",
    "basis_minor",
    "rate",
    "amount_minor",
    "currency",
    "earned",
    "explanation",
    "completed_on",
    "calculated_at",
)


def _lines_insert(lines: list[dict]) -> None:
    """Write the calculated lines (their column values) as rows, COPY on PostgreSQL, and
    give each its id: no model instance per line.

    The orders are locked and their calculated lines read under that lock, so these lines
    are new; the unique (order line, program) constraint is still the last word.
    """
    now, row_of = timezone.now(), itemgetter(*LINE_FIELDS)
    for line in lines:
        line["calculated_at"] = now
    rows = [row_of(line) for line in lines]
    ids = insert_rows(CommissionLine, LINE_FIELDS, rows, with_ids=True)
    for line, pk in zip(lines, ids, strict=True):
        line["id"] = pk


@transaction.atomic
def orders_accrue(*, tenant: Tenant, order_ids: list[int]) -> int:
    """Calculate every not-yet-calculated line of these completed orders and book accruals;
    return how many lines were calculated.

    Replaying it for the same orders books nothing new. Refunds already recorded on
    the orders are clawed back at once.
    """
    orders = order_rows(
        Order.objects.select_for_update(of=("self",))
        .filter(tenant=tenant, pk__in_ids=order_ids, completed_on__isnull=False, firm__isnull=False)
        .order_by("pk")
    )
    lines_of = lines_by_order(orders)
    done = set(
        CommissionLine.objects.filter(order_id__in_ids=(o.pk for o in orders)).values_list(
            "order_line_id", "program_id"
        )
    )
    pairs = [
        (o, e)
        for o, e in _work(orders)
        if any((x.pk, e.program_id) not in done for x in lines_of[o.pk])
    ]
    if not pairs:
        return 0
    days = {(e.program_id, o.completed_on) for o, e in pairs}
    programs = {e.program_id: e.program for o, e in pairs}
    versions = {(p, d): version_in_force(programs[p], d) for p, d in days}
    known = [v for v in versions.values() if v is not None]
    rules, tier_names = _rules_of(known), _tier_names(known)
    tiers = tiers_held_on({e: o.completed_on for o, e in pairs})
    standing = standings_on({e: o.completed_on for o, e in pairs})
    taxes = tax_document_validity(tenant=tenant, firm_ids=sorted({o.firm_id for o, e in pairs}))
    closed = {p: ledger.closed_periods(programs[p]) for p in programs}

    lines: list[dict] = []
    for order, enrolment in pairs:
        version = versions[(enrolment.program_id, order.completed_on)]
        tier = tiers.get(enrolment.pk)
        tier_name = tier_names.get((version.pk, tier), tier or "") if version else ""
        tax = tax_document_valid_on(taxes[order.firm_id], order.completed_on)
        paid_per_order: set[str] = set()
        contract_months = _contract_months(lines_of[order.pk])
        for line in lines_of[order.pk]:
            if (line.pk, enrolment.program_id) in done:
                continue
            facts = _facts(
                order,
                line,
                enrolment,
                tier,
                tier_name,
                tax,
                contract_months,
                standing[enrolment.pk],
            )
            outcome = line_outcome(
                rules.get(version.pk, []) if version else [], facts, paid_per_order=paid_per_order
            )
            lines.append(
                {  # a commission line's column values (LINE_FIELDS)
                    "tenant_id": tenant.pk,
                    "order_id": order.pk,
                    "order_line_id": line.pk,
                    "firm_id": order.firm_id,
                    "program_id": enrolment.program_id,
                    "version_id": version.pk if version else None,
                    "rule_key": outcome.rule.key if outcome.rule else "",
                    "rule_name": outcome.rule.name if outcome.rule else "",
                    "tier_key": tier or "",
                    "basis_minor": outcome.basis_minor,
                    "rate": outcome.rate,
                    "amount_minor": outcome.amount_minor,
                    "currency": order.currency,
                    "earned": outcome.earned,
                    "explanation": outcome.explanation[:400],
                    "completed_on": order.completed_on,
                }
            )
    _lines_insert(lines)
    earning = [line for line in lines if line["earned"] and line["amount_minor"]]
    due_on = {  # per program and completion day, not per line
        (p, day): ledger.due_day(ledger.policy_of(version), day)
        for (p, day), version in versions.items()
    }
    ledger.entries_insert_new(
        [
            {
                "tenant_id": tenant.pk,
                "program_id": line["program_id"],
                **ledger.entry_fields(
                    firm_id=line["firm_id"],
                    currency=line["currency"],
                    kind=EntryKind.ACCRUAL,
                    amount_minor=line["amount_minor"],
                    key=accrual_key(line["order_line_id"], line["program_id"]),
                    occurred_on=line["completed_on"],
                    closed=closed[line["program_id"]],
                    due_on=due_on[(line["program_id"], line["completed_on"])],
                    memo=line["explanation"],
                    commission_line_id=line["id"],
                    version_id=line["version_id"],
                ),
            }
            for line in earning
        ],
    )
    for order_id, program_id in sorted(
        {(line["order_id"], line["program_id"]) for line in earning}
    ):
        events.emit(
            events.COMMISSION_ACCRUED, tenant_id=tenant.pk, order_id=order_id, program_id=program_id
        )
    refunded = Refund.objects.filter(order_id__in_ids={o.pk for o, e in pairs})
    refunds = list(refunded.values_list("pk", flat=True))
    if refunds:
        refunds_claw_back(tenant=tenant, refund_ids=refunds)
    return len(lines)


def _share(amount: int, part: int, whole: int) -> int:
    """amount x part / whole, rounded half-up to the minor unit."""
    value = Decimal(amount) * Decimal(part) / Decimal(whole)
    return round_minor(value)


@transaction.atomic
def refunds_claw_back(*, tenant: Tenant, refund_ids: list[int]) -> list[LedgerEntry]:
    """Claw back, per earned line, the refunded share of its commission (partial = proportional).

    A refund claws back the line's share of everything refunded so far, less what earlier
    refunds already clawed back: rounding never drifts and the total never exceeds the
    accrual. Replaying a refund books nothing (its key is taken).
    """
    refunds = list(
        Refund.objects.filter(tenant=tenant, pk__in=refund_ids)
        .select_related("order")
        .prefetch_related("order__lines")
        .order_by("pk")
    )
    orders = {r.order_id: r.order for r in refunds}
    earned = list(
        CommissionLine.objects.filter(order_id__in=orders, earned=True, amount_minor__gt=0)
        .select_related("program", "version")
        .order_by("pk")
    )
    if not earned:
        return []
    order_totals = {
        order_id: sum(line.amount_minor for line in order.lines.all())
        for order_id, order in orders.items()
    }
    running: dict[int, int] = defaultdict(int)
    refunded_so_far = {}  # refund id -> the order's refunds up to and including it
    for order_id, refund_id, amount in (
        Refund.objects.filter(order_id__in=orders)
        .order_by("pk")
        .values_list("order_id", "pk", "amount_minor")
    ):
        running[order_id] += amount
        refunded_so_far[refund_id] = running[order_id]
    clawed = defaultdict(int)
    for line_id, amount in LedgerEntry.objects.filter(
        commission_line__in=earned, kind=EntryKind.CLAWBACK
    ).values_list("commission_line_id", "amount_minor"):
        clawed[line_id] -= amount
    programs = {line.program_id: line.program for line in earned}
    closed = {pk: ledger.closed_periods(program) for pk, program in programs.items()}
    earned_by_order = defaultdict(list)
    for line in earned:
        earned_by_order[line.order_id].append(line)
    entries = []
    for refund in refunds:
        for line in earned_by_order[refund.order_id]:
            cumulative = refunded_so_far[refund.pk]
            target = _share(line.amount_minor, cumulative, order_totals[refund.order_id])
            amount = min(target, line.amount_minor) - clawed[line.pk]
            if amount <= 0:
                continue
            clawed[line.pk] += amount
            entries.append(_clawback(tenant, line, refund, amount, closed[line.program_id]))
    booked = ledger.entries_book(tenant, entries)
    by_refund: dict[int, list[str]] = defaultdict(list)
    for booked_entry in booked:
        by_refund[booked_entry.refund_id].append(booked_entry.key)
    for refund_id, keys in by_refund.items():
        events.emit(
            events.COMMISSION_CLAWED_BACK, tenant_id=tenant.pk, refund_id=refund_id, entry_keys=keys
        )
    return booked


def _clawback(
    tenant: Tenant, line: CommissionLine, refund: Refund, amount: int, closed: set
) -> LedgerEntry:
    order = refund.order
    return ledger.entry(
        tenant=tenant,
        program=line.program,
        firm_id=line.firm_id,
        currency=line.currency,
        kind=EntryKind.CLAWBACK,
        amount_minor=-amount,
        key=f"clawback:refund:{refund.pk}:line:{line.pk}",
        occurred_on=refund.refunded_on,
        closed=closed,
        due_on=ledger.due_day(ledger.policy_of(line.version), refund.refunded_on),
        memo=(
            f"Refund of {format_minor(refund.amount_minor, order.currency)} on {order}: "
            f"share of {line.rule_name}"
        ),
        commission_line=line,
        refund=refund,
        version=line.version,
    )
