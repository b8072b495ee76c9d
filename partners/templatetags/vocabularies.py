"""`{{ row.kind|label_in:labels }}`: a kind shown by its program's label, never by its key."""

from django import template

from partners.selectors.vocabularies import label_of

register = template.Library()


@register.filter
def label_in(key: str, labels: dict[str, str]) -> str:
    return label_of(key, labels or {})
