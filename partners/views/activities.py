"""Portal pages: activities, attestations, integration updates, support issues, feedback."""

import zoneinfo
from collections.abc import Callable
from functools import wraps

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from partners.forms import KindChoiceField
from partners.models import CustomerFeedback, VendorRelease
from partners.selectors.activities import (
    activities_visible_to,
    attestations_visible_to,
    business_days_between,
    customer_feedback_visible_to,
    integration_updates_visible_to,
    releases_of,
    support_issues_visible_to,
)
from partners.selectors.vocabularies import firm_vocabularies, kind_labels
from partners.services.activities import (
    activity_submit,
    attestation_submit,
    customer_feedback_submit,
    integration_update_record,
    support_issue_record,
    support_issue_resolve,
)
from partners.views.access import partner_required
from partners.views.people import DATE_INPUT, form_submitted, portal_url
from tenants.holiday_calendar import vendor_holidays
from tenants.pagination import page_of

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TEXT_AREA = forms.Textarea(attrs={"rows": 3})


def in_tenant_time_zone(view: Callable) -> Callable:
    """Read and show times in the vendor's time zone: that is the clock partners work by."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        with timezone.override(zoneinfo.ZoneInfo(request.tenant.time_zone)):
            return view(request, *args, **kwargs)

    return wrapper


class ActivityForm(forms.Form):
    kind = KindChoiceField("activity kind", label="What happened")
    occurred_on = forms.DateField(widget=DATE_INPUT, label="Date", help_text="Not in the future.")
    description = forms.CharField(max_length=500, widget=TEXT_AREA)
    evidence_url = forms.URLField(label="Evidence link", required=False, assume_scheme="https")


class AttestationForm(forms.Form):
    kind = KindChoiceField("attestation kind", label="What you attest")
    statement = forms.CharField(max_length=500, widget=TEXT_AREA)
    evidence_url = forms.URLField(label="Evidence link", required=False, assume_scheme="https")
    valid_from = forms.DateField(widget=DATE_INPUT, label="Valid from")
    valid_until = forms.DateField(
        widget=DATE_INPUT, label="Valid until", required=False, help_text="Optional."
    )


# form name -> (form, id prefix, the vocabulary its `kind` offers)
KIND_FORMS = {
    "activity_form": (ActivityForm, "activity", "activity_kinds"),
    "attestation_form": (AttestationForm, "attestation", "attestation_kinds"),
}


def _kind_forms(request: HttpRequest, data=None, *, only: str | None = None) -> dict:
    """The activity and attestation forms, offering only the kinds of the firm's programs."""
    kinds = firm_vocabularies(request.contact.firm)
    built = {}
    for name, (form_class, prefix, vocabulary) in KIND_FORMS.items():
        if only in (None, name):
            built[name] = form_class(data, auto_id=f"{prefix}_%s")
            built[name].fields["kind"].offer(kinds[vocabulary])
    return built


class IntegrationUpdateForm(forms.Form):
    release = forms.ModelChoiceField(VendorRelease.objects.none(), label="Vendor release")
    updated_on = forms.DateField(
        widget=DATE_INPUT, label="Updated on", help_text="On or after the release date."
    )
    notes = forms.CharField(max_length=500, required=False, widget=TEXT_AREA)

    def __init__(self, *args, releases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["release"].queryset = releases
        self.fields["release"].label_from_instance = lambda r: (
            f"{r.product} {r.version} ({r.get_kind_display().lower()}, {r.released_on})"
        )


class SupportIssueForm(forms.Form):
    reference = forms.CharField(max_length=100, help_text="Your ticket number.")
    summary = forms.CharField(max_length=500, required=False, widget=TEXT_AREA)
    opened_at = forms.DateTimeField(widget=DATETIME_INPUT, label="Opened at")
    resolved_at = forms.DateTimeField(
        widget=DATETIME_INPUT, label="Resolved at", required=False, help_text="If resolved."
    )


class ResolveForm(forms.Form):
    resolved_at = forms.DateTimeField(widget=DATETIME_INPUT, label="Resolved at")


class FeedbackForm(forms.Form):
    received_on = forms.DateField(widget=DATE_INPUT, label="Received on")
    sentiment = forms.ChoiceField(choices=CustomerFeedback.Sentiment.choices)
    summary = forms.CharField(max_length=500, widget=TEXT_AREA)


def _activities_page(request: HttpRequest, *, status: int = 200, **bound) -> HttpResponse:
    tenant, contact = request.tenant, request.contact
    releases = releases_of(tenant=tenant)
    forms_ = {
        **_kind_forms(request),
        "update_form": IntegrationUpdateForm(auto_id="update_%s", releases=releases),
        "issue_form": SupportIssueForm(auto_id="issue_%s"),
        "feedback_form": FeedbackForm(auto_id="feedback_%s"),
        **bound,
    }
    context = {
        "firm": contact.firm,
        # five paged lists on one page, each with its own ?<list>_page=
        **{
            name: page_of(request, rows(tenant=tenant, contact=contact), param=f"{name}_page")
            for name, rows in (
                ("activities", activities_visible_to),
                ("attestations", attestations_visible_to),
                ("updates", integration_updates_visible_to),
                ("issues", support_issues_visible_to),
                ("feedback", customer_feedback_visible_to),
            )
        },
        "activity_labels": kind_labels(tenant, "activity_kinds"),
        "attestation_labels": kind_labels(tenant, "attestation_kinds"),
        **forms_,
    }
    return render(request, "partners/activities/activities.html", context, status=status)


def _submitted(request, form_name: str, form: forms.Form, action, done: str) -> HttpResponse:
    if form_submitted(form, action) is None:
        return _activities_page(request, status=400, **{form_name: form})
    messages.success(request, done)
    return redirect(portal_url(request, "portal_activities"))


@partner_required
@in_tenant_time_zone
def activities(request: HttpRequest) -> HttpResponse:
    """What the firm recorded for the program, with a form for each kind of record."""
    return _activities_page(request)


def _firm_kwargs(request: HttpRequest) -> dict:
    return {"tenant": request.tenant, "firm": request.contact.firm}


@require_POST
@partner_required
@in_tenant_time_zone
def activity_add(request: HttpRequest) -> HttpResponse:
    form = _kind_forms(request, request.POST, only="activity_form")["activity_form"]
    return _submitted(
        request,
        "activity_form",
        form,
        lambda data: activity_submit(**_firm_kwargs(request), submitted_by=request.user, **data),
        "Recorded the activity; it counts once the vendor verifies it.",
    )


@require_POST
@partner_required
@in_tenant_time_zone
def attestation_add(request: HttpRequest) -> HttpResponse:
    form = _kind_forms(request, request.POST, only="attestation_form")["attestation_form"]
    return _submitted(
        request,
        "attestation_form",
        form,
        lambda data: attestation_submit(**_firm_kwargs(request), submitted_by=request.user, **data),
        "Recorded the attestation; it counts once the vendor verifies it.",
    )


@require_POST
@partner_required
@in_tenant_time_zone
def integration_update_add(request: HttpRequest) -> HttpResponse:
    releases = releases_of(tenant=request.tenant)
    form = IntegrationUpdateForm(request.POST, auto_id="update_%s", releases=releases)
    return _submitted(
        request,
        "update_form",
        form,
        lambda data: integration_update_record(
            **_firm_kwargs(request), submitted_by=request.user, **data
        ),
        "Recorded the integration update; it counts once the vendor verifies it.",
    )


@require_POST
@partner_required
@in_tenant_time_zone
def support_issue_add(request: HttpRequest) -> HttpResponse:
    form = SupportIssueForm(request.POST, auto_id="issue_%s")
    return _submitted(
        request,
        "issue_form",
        form,
        lambda data: support_issue_record(**_firm_kwargs(request), **data),
        "Recorded the support issue.",
    )


@require_POST
@partner_required
@in_tenant_time_zone
def feedback_add(request: HttpRequest) -> HttpResponse:
    form = FeedbackForm(request.POST, auto_id="feedback_%s")
    return _submitted(
        request,
        "feedback_form",
        form,
        lambda data: customer_feedback_submit(
            **_firm_kwargs(request), submitted_by=request.user, **data
        ),
        "Recorded the customer feedback; it counts once the vendor verifies it.",
    )


@partner_required
@in_tenant_time_zone
def support_issue_detail(request: HttpRequest, issue_id: int) -> HttpResponse:
    """One support issue of the firm; an open one can be marked resolved here."""
    issues = support_issues_visible_to(tenant=request.tenant, contact=request.contact)
    issue = get_object_or_404(issues, pk=issue_id)
    form = ResolveForm(request.POST or None, initial={"resolved_at": timezone.localtime()})
    if request.method == "POST":
        resolved = form_submitted(
            form,
            lambda data: support_issue_resolve(tenant=request.tenant, issue=issue, **data),
        )
        if resolved is not None:
            messages.success(request, f"Marked {issue.reference} as resolved.")
            return redirect(portal_url(request, "portal_support_issue", issue_id=issue.pk))
    context = {"issue": issue, "form": form, "business_days": None}
    if issue.resolved_at is not None:
        opened = timezone.localtime(issue.opened_at)
        context["business_days"] = business_days_between(
            opened, issue.resolved_at, holidays=vendor_holidays(request.tenant)
        )
    status = 400 if form.is_bound else 200
    return render(request, "partners/activities/issue.html", context, status=status)
