"""Portal: a partner's tier, explained requirement by requirement."""

from django.shortcuts import render

from partners.views.access import partner_required
from tiers.selectors_portal import tier_cards


@partner_required
def tier_page(request):
    return render(request, "tiers/tier.html", {"cards": tier_cards(request.contact.firm)})
