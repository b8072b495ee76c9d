from django.apps import AppConfig


class TiersConfig(AppConfig):
    name = "tiers"

    def ready(self) -> None:
        from partners.services.enrolments import register_tier_recorder
        from tiers.services import tier_record_for_partner_workflow
        from tiers.tasks import subscribe

        subscribe()  # immediate-change programs react to order and activity events
        register_tier_recorder(tier_record_for_partner_workflow)  # history is the one record
