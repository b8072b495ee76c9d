from django.urls import path

from disputes import api, views

portal_urlpatterns = [
    path("disputes/", views.dispute_list, name="portal_disputes"),
    path("disputes/<int:pk>/", views.dispute_detail, name="portal_dispute"),
    path(
        "disputes/file/evaluation/<int:pk>/",
        views.dispute_evaluation,
        name="portal_dispute_evaluation",
    ),
    path(
        "disputes/file/registration/<int:pk>/",
        views.dispute_registration,
        name="portal_dispute_registration",
    ),
    path(
        "disputes/file/commission/<int:pk>/",
        views.dispute_commission,
        name="portal_dispute_commission",
    ),
    path(
        "dispute-attachments/<int:pk>/",
        views.dispute_attachment,
        name="portal_dispute_attachment",
    ),
]

api_urlpatterns = [
    path("disputes/", api.DisputeListApi.as_view(), name="api_disputes"),
    path("disputes/<int:pk>/", api.DisputeDetailApi.as_view(), name="api_dispute"),
]
