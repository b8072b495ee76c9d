"""URLs for registrations (portal pages under /<tenant>/portal/, API under /<tenant>/api/v1/)."""

from django.urls import path

from deals.api import registrations as api
from deals.views import registrations as views

portal_urlpatterns = [
    path("deals/", views.registration_list, name="portal_deals"),
    path("deals/new/", views.registration_new, name="portal_deal_new"),
    path("deals/<int:pk>/", views.registration_detail, name="portal_deal"),
    path("deals/<int:pk>/extension/", views.registration_extension, name="portal_deal_extension"),
    path("deals/<int:pk>/activity/", views.registration_activity, name="portal_deal_activity"),
    path("deals/<int:pk>/answer/", views.vendor_lead_reply, name="portal_deal_answer"),
]

api_urlpatterns = [
    path("deal-registrations/", api.RegistrationListApi.as_view(), name="api_registrations"),
    path(
        "deal-registrations/<int:pk>/", api.RegistrationDetailApi.as_view(), name="api_registration"
    ),
    path(
        "deal-registrations/<int:pk>/extension/",
        api.ExtensionRequestApi.as_view(),
        name="api_registration_extension",
    ),
    path(
        "deal-registrations/<int:pk>/activities/",
        api.SalesActivityApi.as_view(),
        name="api_registration_activities",
    ),
    path(
        "deal-registrations/<int:pk>/approve/",
        api.ApproveApi.as_view(),
        name="api_registration_approve",
    ),
    path(
        "deal-registrations/<int:pk>/reject/",
        api.RejectApi.as_view(),
        name="api_registration_reject",
    ),
]
