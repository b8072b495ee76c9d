"""Partner invoices (a month's net owed by the partner): finance records their payment."""

from django.db import transaction

from commissions.models import PartnerInvoice
from tenants.errors import Conflict
from tenants.models import Tenant


@transaction.atomic
def partner_invoice_record_payment(*, tenant: Tenant, invoice: PartnerInvoice) -> PartnerInvoice:
    """Mark an open invoice paid; a second recording (or a concurrent one) is refused."""
    # Conditional UPDATE: of two finance clicks at once exactly one flips the status.
    flipped = PartnerInvoice.objects.filter(
        tenant=tenant, pk=invoice.pk, status=PartnerInvoice.Status.OPEN
    ).update(status=PartnerInvoice.Status.PAID)
    if not flipped:
        raise Conflict(f"Invoice {invoice.number} is already paid.")
    invoice.refresh_from_db()
    return invoice
