"""Portal: a partner's commissions line by line, balances, statements and claims."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from commissions import downloads
from commissions.claims import claim_submit
from commissions.models import Claim
from commissions.rates import with_rates
from commissions.selectors import balances_of, claims_of, commission_lines_of, statements_of
from commissions.selectors_dashboard import with_tier_names
from partners.models import Enrolment
from partners.views.access import partner_required
from programs.models import Program
from programs.selectors import program_today
from tenants.errors import ApplicationError
from tenants.pagination import page_of

PAGE = 50


class ClaimForm(forms.Form):
    program = forms.ModelChoiceField(queryset=Program.objects.none())
    kind = forms.ChoiceField(choices=Claim.Kind.choices)
    event_on = forms.DateField(
        label="Date of the event",
        help_text="e.g. the order's completion day.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    # decimals: as many as the program's currency has (claim_submit checks)
    amount = forms.DecimalField(decimal_places=None, min_value=0)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))


@partner_required
def commissions_page(request: HttpRequest) -> HttpResponse:
    firm = request.contact.firm
    programs = Program.objects.filter(
        pk__in=Enrolment.objects.filter(firm=firm).values("program_id")
    )
    form = ClaimForm(request.POST or None)
    form.fields["program"].queryset = programs
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            claim_submit(
                tenant=request.tenant,
                firm=firm,
                program=data["program"],
                kind=data["kind"],
                event_on=data["event_on"],
                amount=data["amount"],
                description=data["description"],
                today=program_today(data["program"]),
                user=request.user,
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            for field, problems in exc.fields.items():
                if field in form.fields:
                    form.add_error(field, problems)
        else:
            messages.success(request, "Claim submitted; finance will review it.")
            return redirect("portal_commissions", tenant_slug=request.tenant.slug)
    # three paged lists on one page, each with its own ?<list>_page=
    lines = page_of(request, commission_lines_of(firm), per_page=PAGE, param="lines_page")
    lines.object_list = with_rates(with_tier_names(list(lines.object_list)))
    context = {
        "balances": balances_of(firm),
        "lines": lines,
        "statements": page_of(request, statements_of(firm), param="statements_page"),
        "claims": page_of(request, claims_of(firm), param="claims_page"),
        "form": form,
    }
    return render(request, "commissions/portal.html", context)


@partner_required
def statement_download(request: HttpRequest, line_id: int) -> HttpResponse:
    line = get_object_or_404(statements_of(request.contact.firm), pk=line_id)
    return downloads.statement_file(line)
