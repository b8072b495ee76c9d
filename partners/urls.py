from django.urls import path

from partners import api, views

portal_urlpatterns = [
    path("", views.portal_home, name="portal_home"),
]

api_urlpatterns = [
    path("me/", api.MeApi.as_view(), name="api_me"),
    path("partner-firms/", api.FirmListApi.as_view(), name="api_firm_list"),
    path("partner-firms/<int:firm_id>/", api.FirmDetailApi.as_view(), name="api_firm_detail"),
]
