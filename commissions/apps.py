from django.apps import AppConfig


class CommissionsConfig(AppConfig):
    name = "commissions"

    def ready(self) -> None:
        from commissions.ledger import closed_periods
        from commissions.tasks import subscribe
        from programs.periods import register_closed_months

        subscribe()  # accrue on completed orders, claw back on refunds
        register_closed_months(closed_periods)  # the tier engine never rewrites a paid month
