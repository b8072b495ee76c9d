"""HTTP responses for finance's files and partners' statements (console, portal and API)."""

from django.http import HttpResponse, StreamingHttpResponse

from commissions import exports
from commissions.bankfiles.files import bank_file
from commissions.models import PayoutBatch, PayoutLine

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BATCH_FILES = ("csv", "xlsx", "pdf")


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def batch_file(batch: PayoutBatch, kind: str) -> HttpResponse:
    """The batch as CSV (streamed), XLSX or the PDF payout report."""
    name = f"payouts-{batch.program.slug}-{batch.period:%Y-%m}"
    if kind == "csv":
        response = StreamingHttpResponse(
            exports.batch_csv(batch), content_type="text/csv; charset=utf-8"
        )
        return _attachment(response, f"{name}.csv")
    if kind == "xlsx":
        return _attachment(
            HttpResponse(exports.batch_xlsx(batch), content_type=XLSX), f"{name}.xlsx"
        )
    pdf = exports.payout_report_pdf(batch)
    return _attachment(HttpResponse(pdf, content_type="application/pdf"), f"{name}.pdf")


def statement_file(line: PayoutLine) -> HttpResponse:
    batch = line.batch
    name = f"statement-{batch.program.slug}-{batch.period:%Y-%m}-{line.firm_id}.pdf"
    pdf = exports.statement_pdf(line)
    return _attachment(HttpResponse(pdf, content_type="application/pdf"), name)


def bank_file_response(batch: PayoutBatch, kind: str) -> HttpResponse:
    """The batch's NACHA, SEPA or PayPal file; ApplicationError when it cannot be written."""
    file = bank_file(batch=batch, kind=kind)
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Cache-Control"] = "no-store"  # full account numbers: keep them out of caches
    return _attachment(response, file.filename)
