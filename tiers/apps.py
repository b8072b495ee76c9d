from django.apps import AppConfig


class TiersConfig(AppConfig):
    name = "tiers"

    def ready(self) -> None:
        from tiers.tasks import subscribe

        subscribe()  # immediate-change programs react to order and activity events
