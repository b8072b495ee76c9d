"""Console: the vendor's bank originator, and the batch page's bank-file links and summary."""

from collections import defaultdict

from django.contrib import admin
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from commissions.bankfiles.files import KINDS, LABELS
from commissions.bankfiles.models import BankOriginator
from commissions.bankfiles.selectors import RAIL_LABELS, batch_payments
from commissions.models import PayoutBatch
from tenants.admin_base import ALL_STAFF, TenantScopedAdmin
from tenants.models import FINANCE_ROLES
from tenants.money import format_minor

FILE_OF_RAIL = {rail: kind for kind, (rail, *_rest) in KINDS.items()}


@admin.register(BankOriginator)
class BankOriginatorAdmin(TenantScopedAdmin):
    view_roles = ALL_STAFF
    edit_roles = FINANCE_ROLES
    list_display = ("name", "ach_company_id", "ach_odfi_name", "sepa_bic", "updated_at")

    def has_add_permission(self, request, *args) -> bool:
        # one per vendor; a superuser without a vendor picks the tenant on the form
        exists = request.tenant is not None and BankOriginator.objects.exists()
        return super().has_add_permission(request, *args) and not exists

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # its existence switches the payout-details hold on; edit it instead


def bank_file_urls(view, bank_file_view) -> list:
    """The batch page's /<pk>/bank-<kind> download URLs, one per bank file kind."""
    return [
        path(
            f"<int:pk>/bank-{kind}.{extension}",
            view(lambda request, pk, kind=kind: bank_file_view(request, pk, kind)),
            name=f"commissions_payoutbatch_bank_{kind}",
        )
        for kind, (_rail, _currency, extension, _type) in KINDS.items()
    ]


def bank_file_links(batch: PayoutBatch):
    """Per rail: the file's link, its entries and total; then who is in no file and why."""
    payees, unpayable = batch_payments(batch)
    per_rail: dict[str, list[int]] = defaultdict(list)
    for payee in payees:
        per_rail[payee.rail].append(payee.line.payable_minor)
    parts = []
    for rail, amounts in per_rail.items():
        summary = f"{len(amounts)} partner(s), {format_minor(sum(amounts), batch.currency)}"
        kind = FILE_OF_RAIL.get(rail)
        if kind is None:
            parts.append(format_html("{}: {} (no file)", RAIL_LABELS[rail], summary))
        else:
            url = reverse(f"admin:commissions_payoutbatch_bank_{kind}", args=[batch.pk])
            parts.append(format_html('<a href="{}">{}</a>: {}', url, LABELS[kind], summary))
    if not parts:
        parts.append(format_html("{}", "no payable partner"))
    text = format_html_join(" · ", "{}", ((p,) for p in parts))
    if unpayable:
        missing = format_html_join(
            "; ", "{} ({})", ((u.line.firm.name, u.problem) for u in unpayable)
        )
        text = format_html("{}<br>In no file (details invalid now): {}", text, missing)
    return text
