from django.apps import AppConfig


class CommissionsConfig(AppConfig):
    name = "commissions"

    def ready(self) -> None:
        from commissions.tasks import subscribe

        subscribe()  # accrue on completed orders, claw back on refunds
