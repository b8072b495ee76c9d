"""A partner's statement for a batch: computed from the ledger, reproducible to the byte.

The content is canonical JSON built only from what cannot change after the batch was
built: the partner's entries (with the rule version recorded on each) that were open
when it was built (settled by it, or carried forward for a held partner), the batch
line's figures, and the balance from entries created before the build and booked up
to the cut-off. Its SHA-256 is stored on first generation and
printed on every rendering; regenerating it later gives the same bytes and hash.
"""

import hashlib
import json
from dataclasses import dataclass

from django.db.models import Sum

from commissions.models import SETTLED_BY_BATCH, LedgerEntry, PayoutLine
from tenants import money

# the hashed content must not change with a settings change, so its text has a fixed locale
STATEMENT_LOCALE = "en_US"


@dataclass(frozen=True)
class Statement:
    line: PayoutLine
    content: bytes
    data: dict

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _entry(entry: LedgerEntry) -> dict:
    line = entry.commission_line
    return {
        "booked_on": entry.booked_on.isoformat(),
        "kind": entry.kind,
        "key": entry.key,
        "amount_minor": entry.amount_minor,
        "amount": money.format_minor_number(
            entry.amount_minor, entry.currency, locale=STATEMENT_LOCALE
        ),
        "memo": entry.memo,
        "order": str(line.order) if line else "",
        "product": line.order_line.product_code if line else "",
        "rule": line.rule_key if line else "",
        "tier": line.tier_key if line else "",
        "rate": line.rate if line else "",
        "program_version": entry.version.number if entry.version else None,
    }


def statement_of(line: PayoutLine) -> Statement:
    batch = line.batch
    entries = (
        LedgerEntry.objects.filter(
            program=batch.program,
            firm_id=line.firm_id,
            kind__in=SETTLED_BY_BATCH,
            booked_on__lte=batch.cutoff,
            created_at__lte=batch.built_at,
        )
        .exclude(settlement__batch__built_at__lt=batch.built_at)  # settled by an earlier batch
        .select_related(
            "version", "commission_line__order__customer", "commission_line__order_line"
        )
        .order_by("booked_on", "pk")
    )
    balance = (
        LedgerEntry.objects.filter(
            program=batch.program,
            firm_id=line.firm_id,
            booked_on__lte=batch.cutoff,
            created_at__lte=batch.built_at,
        ).aggregate(total=Sum("amount_minor"))["total"]
        or 0
    )
    data = {
        "vendor": batch.tenant.name,
        "program": batch.program.name,
        "partner": line.firm.name,
        "period": f"{batch.period:%Y-%m}",
        "cutoff": batch.cutoff.isoformat(),
        "due_on": batch.due_on.isoformat(),
        "currency": batch.currency,
        "entries": [_entry(e) for e in entries],
        "accruals_minor": line.accruals_minor,
        "clawbacks_minor": line.clawbacks_minor,
        "corrections_minor": line.corrections_minor,
        "net_minor": line.net_minor,
        "withholding_rate": str(line.withholding_rate),
        "withholding_minor": line.withholding_minor,
        "payable_minor": line.payable_minor,
        "status": line.status,
        "hold_reason": line.hold_reason,
        "balance_at_cutoff_minor": balance,
    }
    content = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    statement = Statement(line=line, content=content.encode(), data=data)
    if not line.statement_hash:
        # first generation records the hash; later ones must reproduce it
        PayoutLine.objects.filter(pk=line.pk, statement_hash="").update(
            statement_hash=statement.sha256
        )
        line.statement_hash = statement.sha256
    return statement
