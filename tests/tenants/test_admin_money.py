"""No console page shows an integer minor-units field: amounts are shown formatted."""

from django.contrib import admin
from django.contrib.admin.utils import flatten


def _minor_fields(model) -> set[str]:
    return {f.name for f in model._meta.concrete_fields if f.name.endswith("_minor")}


def _shown(model_admin) -> set[str]:
    names = set(getattr(model_admin, "list_display", ())) | set(model_admin.readonly_fields)
    names |= set(flatten(model_admin.fields or ()))
    for _, options in model_admin.fieldsets or ():
        names |= set(flatten(options.get("fields", ())))
    return {name for name in names if isinstance(name, str)}


def _leaks(model_admin) -> set[str]:
    """Minor-units fields a change page or list would show under their raw name."""
    minor = _minor_fields(model_admin.model)
    leaks = {name for name in _shown(model_admin) if name in minor or name.endswith("_minor")}
    if not model_admin.fields and not model_admin.fieldsets:
        # every model field is on the form unless excluded
        leaks |= minor - set(model_admin.exclude or ())
    return leaks


def test_no_console_admin_shows_a_minor_units_field():
    leaks = {}
    for model, model_admin in admin.site._registry.items():
        found = _leaks(model_admin)
        for inline_class in model_admin.inlines:
            found |= _leaks(inline_class(model, admin.site))
        if found:
            leaks[model._meta.label] = sorted(found)
    assert leaks == {}
