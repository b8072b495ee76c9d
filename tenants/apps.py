from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"

    def ready(self) -> None:
        from django.db.models import Field, ForeignObject

        from tenants import lockout, rls  # noqa: F401  (lockout: the lockout notice's receiver)
        from tenants.bulk import InIds

        rls.connect_signals()
        for fields in (Field, ForeignObject):  # `field__in_ids=ids`, on every field and key
            fields.register_lookup(InIds)
