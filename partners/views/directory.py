from django.shortcuts import render
from django.utils import timezone

from partners.selectors.enrolments import directory_entries
from programs.models import Tier, Track
from programs.selectors import programs_of, versions_in_force
from tenants.pagination import page_of


def directory(request):
    """The vendor's public partner directory (no sign-in): consenting active partners."""
    tier, track = request.GET.get("tier", ""), request.GET.get("track", "")
    territory = request.GET.get("territory", "").strip()[:2]
    entries = directory_entries(tenant=request.tenant, tier=tier, track=track, territory=territory)
    page = page_of(request, entries)
    programs = programs_of(tenant=request.tenant).values_list("pk", flat=True)
    versions = list(versions_in_force(programs, timezone.localdate()).values())
    tier_names = {t.key: t.name for t in Tier.objects.filter(version__in=versions)}
    track_names = {t.key: t.name for t in Track.objects.filter(version__in=versions)}
    rows = [
        {
            "firm": e.firm,
            "program": e.program,
            "tier": tier_names.get(e.tier_key, e.tier_key),
            "tracks": [track_names.get(k, k) for k in e.tracks],
            "territories": e.territories,
        }
        for e in page
    ]
    return render(
        request,
        "partners/directory.html",
        {
            "rows": rows,
            "page_obj": page,
            "tier_names": tier_names,
            "track_names": track_names,
            "selected": {"tier": tier, "track": track, "territory": territory},
        },
    )
