"""URLs for imports (portal pages under /<tenant>/portal/, API under /<tenant>/api/v1/)."""

from django.urls import path

from deals.views import imports as views

portal_urlpatterns: list = [
    path("deals/import/", views.registration_import, name="portal_deal_import"),
    path(
        "deals/import/template.csv",
        views.registration_import_template,
        name="portal_deal_import_template",
    ),
]
api_urlpatterns: list = [
    path("imports/jobs/<int:job_id>/", views.ImportJobApi.as_view(), name="api_import_job"),
    path("imports/<slug:kind>/", views.ImportApi.as_view(), name="api_import"),
    path("imports/<slug:kind>/jobs/", views.ImportJobCreateApi.as_view(), name="api_import_jobs"),
]
