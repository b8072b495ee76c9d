from django.urls import path

from tiers import api, views

portal_urlpatterns = [path("tier/", views.tier_page, name="portal_tier")]

api_urlpatterns = [
    path("tier-evaluations/", api.EvaluationListApi.as_view(), name="api_tier_evaluations"),
    path(
        "enrolments/<int:enrolment_id>/tiers/",
        api.TierHistoryApi.as_view(),
        name="api_tier_history",
    ),
]
