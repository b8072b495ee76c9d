from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from partners.permissions import partner_contact
from partners.selectors import contacts_of, firm_contacts
from partners.selectors.enrolments import portal_overview
from partners.selectors.program_notices import change_notices_unread
from partners.selectors_dashboard import action_items
from partners.services import landing
from partners.views.access import partner_required
from partners.views.charts import bar_chart, row_chart
from tenants.money import format_minor


@login_required
def portal_home(request):
    """A partner's dashboard: tier, pipeline, money and what needs doing."""
    contact = partner_contact(request)
    if contact is None:
        if request.staff_membership is not None:
            return render(request, "partners/not_a_partner.html", status=403)
        # Newcomers only reach the application until they are a partner.
        return redirect("portal_apply", tenant_slug=request.tenant.slug)
    # The dashboard gathers every app's part of the partner's day; the apps above partners
    # (deals, tiers, commissions) are imported here, at the page, not by the partners domain.
    from commissions.selectors_dashboard import money_of
    from deals.selectors.pipeline import pipeline_of
    from tiers.selectors_portal import cards_for

    today = timezone.localdate()
    firm = contact.firm
    overviews = portal_overview(firm=firm, today=today)
    pipeline = pipeline_of(firm, today=today)
    money = money_of(firm, today=today)
    return render(
        request,
        "partners/portal_home.html",
        {
            "contact": contact,
            "firm": firm,
            "several_vendors": len(contacts_of(request.user)) > 1,
            "colleagues": firm_contacts(firm=firm),
            "overviews": overviews,
            "change_notices": change_notices_unread(contact=contact),
            "action_items": action_items(firm=firm, overviews=overviews, today=today),
            "tier_cards": cards_for(
                [o.enrolment for o in overviews],
                in_force={o.enrolment.program_id: o.version for o in overviews},
            ),
            "pipeline": pipeline,
            "money": money,
            **_charts(money, pipeline),
        },
    )


@require_POST
@partner_required
def vendor_choose(request):
    """The chooser's pick: remember this vendor for the next sign-in, and open its portal."""
    landing.vendor_choose(tenant=request.tenant, user=request.user)
    return redirect("portal_home", tenant_slug=request.tenant.slug)


def _charts(money, pipeline) -> dict:
    """Earnings by month (one chart per currency) and registrations by status."""
    return {
        "earnings_charts": [
            bar_chart(
                f"Earnings by month ({currency})",
                [
                    (m.month.strftime("%b"), m.amount_minor, format_minor(m.amount_minor, currency))
                    for m in months
                ],
            )
            for currency, months in money.earnings.items()
        ],
        "pipeline_chart": row_chart(
            "Deal registrations by status",
            [(label, count, str(count)) for label, count in pipeline.by_status],
        ),
    }
