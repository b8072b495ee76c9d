from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"

    def ready(self) -> None:
        from partners.permissions import is_partner_contact
        from partners.tasks import subscribe
        from tenants.api_permissions import register_member_check

        # Partner contacts are members of their vendor's tenant for read access.
        register_member_check(is_partner_contact)
        subscribe()  # program change notices are mailed to the program's partners
