"""URLs for imports (portal pages under /<tenant>/portal/, API under /<tenant>/api/v1/)."""

from django.urls import path

from deals.views import imports as views

portal_urlpatterns: list = [
    path("deals/import/", views.registration_import, name="portal_deal_import"),
]
api_urlpatterns: list = [
    path("imports/<slug:kind>/", views.ImportApi.as_view(), name="api_import"),
]
