from django.contrib.admin.apps import AdminConfig


class PrmAdminConfig(AdminConfig):
    """django.contrib.admin with the PRM console as the default site."""

    default_site = "tenants.admin_site.PrmAdminSite"
