"""`{% dispute_button "evaluation" e.pk %}`: the portal's Dispute button, or the dispute
already on that record, waiting or upheld (one query per page, however many rows it has)."""

from django import template

from disputes.models import SETTLES_SUBJECT, Dispute

register = template.Library()


def _undecided(request) -> dict[str, int]:
    cached = getattr(request, "_undecided_disputes", None)
    if cached is None:
        contact = getattr(request, "contact", None)
        rows = (
            Dispute.objects.filter(firm_id=contact.firm_id, status__in=SETTLES_SUBJECT).values_list(
                "subject_key", "pk"
            )
            if contact is not None
            else []
        )
        cached = request._undecided_disputes = dict(rows)
    return cached


@register.inclusion_tag("disputes/_button.html", takes_context=True)
def dispute_button(context, kind: str, pk: int, label: str = "Dispute"):
    request = context.get("request")
    tenant = context.get("tenant")
    waiting = _undecided(request).get(f"{kind}:{pk}") if request is not None else None
    return {"tenant": tenant, "kind": kind, "pk": pk, "label": label, "waiting": waiting}
