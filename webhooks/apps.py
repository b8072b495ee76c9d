from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from webhooks.tasks import subscribe

        subscribe()  # every announced domain event becomes a message for its endpoints
