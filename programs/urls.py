from django.urls import path

from programs import api

api_urlpatterns = [
    path("programs/", api.ProgramListApi.as_view(), name="api_program_list"),
    path(
        "programs/<slug:program_slug>/",
        api.ProgramVersionInForceApi.as_view(),
        name="api_program_detail",
    ),
    path(
        "programs/<slug:program_slug>/versions/",
        api.ProgramVersionListApi.as_view(),
        name="api_program_versions",
    ),
]
