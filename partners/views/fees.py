"""Portal: a program-fee invoice as a PDF, with how to pay it."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from weasyprint import HTML

from partners.branding import logo_data_uri
from partners.selectors.fees import fee_invoices_of
from partners.views.access import partner_required


@partner_required
def fee_invoice_pdf(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = get_object_or_404(fee_invoices_of(request.contact.firm), pk=invoice_id)
    context = {
        "invoice": invoice,
        "tenant": request.tenant,
        "logo_src": logo_data_uri(request.tenant),
    }
    html = render_to_string("partners/pdf/fee_invoice.html", context)
    response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    name = f"invoice-{invoice.enrolment.program.slug}-{invoice.pk}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
