from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from commissions.urls import api_urlpatterns as commission_api
from commissions.urls import portal_urlpatterns as commission_portal
from deals.urls import api_urlpatterns as deal_api
from deals.urls import portal_urlpatterns as deal_portal
from disputes.urls import api_urlpatterns as dispute_api
from disputes.urls import portal_urlpatterns as dispute_portal
from partners.urls import api_urlpatterns as partner_api
from partners.urls import portal_urlpatterns as partner_portal
from partners.views import directory as partner_directory
from programs.urls import api_urlpatterns as program_api
from tenants import views as tenant_views
from tenants.api_schema import TenantSchemaView
from tiers.urls import api_urlpatterns as tier_api
from tiers.urls import portal_urlpatterns as tier_portal

# Everything a tenant owns lives under /<tenant_slug>/; TenantMiddleware resolves it.
api_v1 = [
    *partner_api,
    *program_api,
    *deal_api,
    *tier_api,
    *commission_api,
    *dispute_api,
    path("schema/", TenantSchemaView.as_view(), name="api_schema"),
    path(
        "docs/",
        # the split view serves its start-up script as a file: no inline script for the CSP
        SpectacularSwaggerSplitView.as_view(
            url="../schema/", permission_classes=[AllowAny], authentication_classes=[]
        ),
        name="api_docs",
    ),
]

urlpatterns = [
    path("", tenant_views.home, name="home"),
    path("healthz", tenant_views.healthz, name="healthz"),
    path("readyz", tenant_views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("<slug:tenant_slug>/portal/", include(partner_portal)),
    path("<slug:tenant_slug>/portal/", include(deal_portal)),
    path("<slug:tenant_slug>/portal/", include(tier_portal)),
    path("<slug:tenant_slug>/portal/", include(commission_portal)),
    path("<slug:tenant_slug>/portal/", include(dispute_portal)),
    path("<slug:tenant_slug>/directory/", partner_directory.directory, name="directory"),
    path(
        "<slug:tenant_slug>/directory/<int:firm_id>/",
        partner_directory.directory_firm,
        name="directory_firm",
    ),
    path("<slug:tenant_slug>/api/v1/", include(api_v1)),
]

# Under /<tenant>/api/ these answer in the API's JSON error shape; elsewhere Django's pages.
handler400 = "tenants.error_views.bad_request"
handler403 = "tenants.error_views.permission_denied"
handler404 = "tenants.error_views.not_found"
handler500 = "tenants.error_views.server_error"
