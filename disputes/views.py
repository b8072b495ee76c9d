"""Portal: a partner files a dispute from the page that shows the record, and follows it."""

import os

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from disputes.forms import FileForm
from disputes.models import DisputeAttachment, DisputeKind
from disputes.selectors import (
    clock_for,
    disputable_subject,
    disputes_of_firm,
    subject_in_words,
    timeline_of,
    with_clocks,
)
from disputes.services import dispute_file
from partners.uploads import attachment_response
from partners.views.access import partner_required
from tenants.errors import ApplicationError
from tenants.pagination import page_of
from tenants.tasks import tenant_today


def _show_errors(form, exc: ApplicationError) -> None:
    for field, errors in exc.fields.items():
        form.add_error(field if field in form.fields else None, errors)
    if not exc.fields or not set(exc.fields) & set(form.fields):
        form.add_error(None, exc.message)


@partner_required
def dispute_list(request):
    page = page_of(request, disputes_of_firm(request.contact.firm))
    page.object_list = with_clocks(page.object_list, request.tenant, tenant_today(request.tenant))
    for dispute in page.object_list:
        dispute.subject_text = subject_in_words(dispute)
    return render(request, "disputes/list.html", {"page_obj": page})


@partner_required
def dispute_detail(request, pk: int):
    dispute = get_object_or_404(disputes_of_firm(request.contact.firm), pk=pk)
    return render(
        request,
        "disputes/detail.html",
        {
            "dispute": dispute,
            "subject_text": subject_in_words(dispute),
            "clock": clock_for(dispute, tenant_today(request.tenant)),
            "timeline": timeline_of(dispute),
            "attachments": dispute.attachments.all(),
            "for_staff": False,
        },
    )


def _file(request, kind: str, pk: int):
    subject = disputable_subject(request.contact.firm, kind, pk)
    if subject is None:
        raise Http404("Nothing of yours to dispute here.")
    results = []
    if kind == DisputeKind.EVALUATION:
        results = list(subject.results.order_by("pk"))
        for r in results:
            verdict = "met" if r.passed else "not met"
            r.choice_label = f"{r.label} ({r.tier}): {verdict}"
    form = FileForm(request.POST or None, results=results)
    if request.method == "POST" and form.is_valid():
        try:
            dispute = dispute_file(
                tenant=request.tenant,
                firm=request.contact.firm,
                user=request.user,
                subject=subject,
                reason=form.cleaned_data["reason"],
                result_ids=form.cleaned_data.get("results", ()),
                attachments=request.FILES.getlist("attachments"),
            )
        except ApplicationError as exc:
            _show_errors(form, exc)
        else:
            messages.success(
                request,
                f"Dispute filed: {request.tenant.name} answers by "
                f"{dispute.response_due_on:%Y-%m-%d} and decides by "
                f"{dispute.resolution_due_on:%Y-%m-%d}.",
            )
            return redirect("portal_dispute", tenant_slug=request.tenant.slug, pk=dispute.pk)
    return render(
        request,
        "disputes/file.html",
        {"form": form, "kind": kind, "subject": subject, "kind_label": DisputeKind(kind).label},
    )


@partner_required
def dispute_evaluation(request, pk: int):
    return _file(request, DisputeKind.EVALUATION, pk)


@partner_required
def dispute_registration(request, pk: int):
    return _file(request, DisputeKind.REGISTRATION, pk)


@partner_required
def dispute_commission(request, pk: int):
    return _file(request, DisputeKind.COMMISSION, pk)


@partner_required
def dispute_attachment(request, pk: int):
    attachment = get_object_or_404(
        DisputeAttachment.objects.filter(dispute__firm=request.contact.firm), pk=pk
    )
    return attachment_download(attachment)


def attachment_download(attachment: DisputeAttachment):
    """The file under a name that never echoes the uploader's."""
    extension = os.path.splitext(attachment.file.name)[1]
    return attachment_response(
        attachment.file,
        filename=f"dispute-{attachment.dispute_id}-{attachment.pk}{extension}",
        content_type=attachment.content_type,
    )
