"""Names of program parts for templates: "Tier 2 Registered Partner", not "tier-2"."""

from django import template

from programs.models import ProgramVersion, Tier

register = template.Library()


@register.simple_tag
def tier_name(version: ProgramVersion | None, key: str) -> str:
    """The tier's name in that program version; the key itself if the version has no such tier."""
    if version is None or not key:
        return key or ""
    name = Tier.objects.filter(version=version, key=key).values_list("name", flat=True).first()
    return name or key
