"""The partners app's part of a partner's dashboard: what needs doing, soonest first."""

import datetime
from dataclasses import dataclass

from django.urls import reverse

from partners.models import EnrolmentStatus, InvoiceStatus, PartnerFirm, TaxDocumentStatus
from partners.selectors.enrolments import EnrolmentOverview
from partners.selectors.tax import tax_documents_of
from tenants.money import format_minor

TAX_FORM_WARNING_DAYS = 60
DEADLINE_WARNING_DAYS = 60


@dataclass
class ActionItem:
    title: str
    detail: str
    url: str = ""
    link_text: str = ""
    due_on: datetime.date | None = None


def action_items(
    *, firm: PartnerFirm, overviews: list[EnrolmentOverview], today: datetime.date
) -> list[ActionItem]:
    """Tax form, unpaid fees and coming deadlines (one query beyond the overviews)."""
    slug = firm.tenant.slug
    items = _tax_items(firm, today, reverse("portal_tax", kwargs={"tenant_slug": slug}))
    for overview in overviews:
        items += _fee_items(overview, vendor=firm.tenant.name, slug=slug)
        horizon = today + datetime.timedelta(days=DEADLINE_WARNING_DAYS)
        items += [
            ActionItem(title=label, detail=overview.enrolment.program.name, due_on=day)
            for day, label in overview.deadlines
            if today <= day <= horizon and not _renews_by_itself(overview, day)
        ]
    return sorted(items, key=lambda i: (i.due_on is not None, i.due_on or today))


def _tax_items(firm: PartnerFirm, today: datetime.date, url: str) -> list[ActionItem]:
    documents = list(tax_documents_of(tenant=firm.tenant, firm=firm))
    valid = [
        d
        for d in documents
        if d.status == TaxDocumentStatus.VERIFIED
        and (d.expires_on is None or d.expires_on >= today)
    ]
    if not valid:
        waiting = any(d.status == TaxDocumentStatus.RECEIVED for d in documents)
        return [
            ActionItem(
                title="No valid tax form on file",
                detail="Payouts are held until a W-9 / W-8 is verified."
                + (" Yours is waiting for review." if waiting else ""),
                url=url,
                link_text="Upload a tax form",
            )
        ]
    if any(d.expires_on is None for d in valid):
        return []
    last_day = max(d.expires_on for d in valid)
    if last_day > today + datetime.timedelta(days=TAX_FORM_WARNING_DAYS):
        return []
    return [
        ActionItem(
            title="Your tax form expires",
            detail="Upload a new one before then, or payouts are held.",
            url=url,
            link_text="Upload a tax form",
            due_on=last_day,
        )
    ]


def _fee_items(overview: EnrolmentOverview, *, vendor: str, slug: str) -> list[ActionItem]:
    unpaid = [i for i in overview.invoices if i.status == InvoiceStatus.UNPAID]
    if not unpaid:
        return []
    enrolment = overview.enrolment
    manager = enrolment.partner_manager
    ask = manager.email if manager is not None else f"the {vendor} partner team"
    months = _onboarding_months_waiting_for_the_fee(overview)
    clock = f" Your {months} months to meet the minimum criteria start then." if months else ""
    return [
        ActionItem(
            title=f"Program fee unpaid: {invoice.description}",
            detail=(
                f"{format_minor(invoice.amount_minor, invoice.currency)}, invoiced on "
                f"{invoice.issued_on:%Y-%m-%d}. Pay it as the invoice instructs; "
                f"{vendor} records the payment and it shows as paid here.{clock} "
                f"Questions: {ask}."
            ),
            url=reverse(
                "portal_fee_invoice", kwargs={"tenant_slug": slug, "invoice_id": invoice.pk}
            ),
            link_text="The invoice (PDF)",
        )
        for invoice in unpaid
    ]


def _onboarding_months_waiting_for_the_fee(overview: EnrolmentOverview) -> int | None:
    # IPsoft: the months to meet the minimum criteria run from approval *and* payment
    enrolment, version = overview.enrolment, overview.version
    if enrolment.status != EnrolmentStatus.ONBOARDING or enrolment.onboarding_deadline:
        return None
    return (version.onboarding or {}).get("months_to_meet_minimum") if version else None


def _renews_by_itself(overview: EnrolmentOverview, day: datetime.date) -> bool:
    # a term that renews automatically asks nothing of the partner; one that ends does
    enrolment = overview.enrolment
    return day == enrolment.term_end and enrolment.auto_renew
