"""Plain-text e-mail rendering: templates rendered without HTML escaping."""

from django.template import Context
from django.template.loader import get_template


def render_plain(template_name: str, context: dict) -> str:
    """Render a .txt template as text: `O'Brien & Co` stays as written (no `&#x27;`, `&amp;`)."""
    return get_template(template_name).template.render(Context(context, autoescape=False))
