"""A partner firm's program-fee invoices."""

from django.db.models import QuerySet

from partners.models import FeeInvoice, PartnerFirm


def fee_invoices_of(firm: PartnerFirm) -> QuerySet[FeeInvoice]:
    """The firm's fee invoices, newest first, with what the invoice PDF prints."""
    return (
        FeeInvoice.objects.filter(enrolment__firm=firm)
        .select_related("enrolment__program", "enrolment__firm", "enrolment__partner_manager")
        .order_by("-issued_on", "-pk")
    )
