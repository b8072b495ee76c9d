from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"

    def ready(self) -> None:
        from tenants import lockout, rls  # noqa: F401  (lockout: the lockout notice's receiver)

        rls.connect_signals()
