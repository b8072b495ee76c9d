"""The one check every write of a kind makes: the firm's programs declare it."""

import datetime

from partners.models import PartnerFirm
from partners.selectors.vocabularies import Kind, kinds_for_firm
from programs.schema import VOCABULARIES
from tenants.errors import ApplicationError


def _with_article(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def kind_required(
    *,
    firm: PartnerFirm,
    vocabulary: str,
    key: str,
    field: str = "kind",
    on: datetime.date | None = None,
) -> Kind:
    """Return the kind `key` of the firm's programs; ApplicationError naming `field` if none."""
    kinds = kinds_for_firm(firm, vocabulary, on=on)
    if key in kinds:
        return kinds[key]
    message = f"{key!r} is not {_with_article(VOCABULARIES[vocabulary])} of your programs."
    if kinds:
        hint = "Use one of: " + ", ".join(f"{k.label} ({k.key})" for k in kinds.values()) + "."
    else:
        hint = "Your firm's programs declare none."
    raise ApplicationError(f"{message} {hint}", fields={field: [message]})
