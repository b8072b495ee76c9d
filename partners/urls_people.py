"""URLs for people and activities: portal under /<tenant>/portal/, API under /<tenant>/api/v1/.

Activities live here too: partners/urls.py gathers this module's two lists. The API has
one view per operation, so a list is `things/`, its create `things/create/`.
"""

from django.urls import path

from partners.api import activities as activity_api
from partners.api import people as people_api
from partners.api import vocabularies as vocabulary_api
from partners.views import activities, people

portal_urlpatterns = [
    path("people/", people.people, name="portal_people"),
    path("people/invite/", people.people_invite, name="portal_people_invite"),
    path("people/<int:contact_id>/remove/", people.people_remove, name="portal_people_remove"),
    path(
        "people/<int:contact_id>/designation/",
        people.people_designate,
        name="portal_people_designate",
    ),
    path("people/resources/add/", people.resource_add, name="portal_resource_add"),
    path("people/resources/<int:resource_id>/", people.resource_detail, name="portal_resource"),
    path(
        "people/resources/<int:resource_id>/certifications/add/",
        people.certification_add,
        name="portal_certification_add",
    ),
    path(
        "people/certifications/<int:certification_id>/evidence/",
        people.certification_evidence,
        name="portal_certification_evidence",
    ),
    path("activities/", activities.activities, name="portal_activities"),
    path("activities/add/", activities.activity_add, name="portal_activity_add"),
    path("activities/attestations/add/", activities.attestation_add, name="portal_attestation_add"),
    path(
        "activities/integration-updates/add/",
        activities.integration_update_add,
        name="portal_integration_update_add",
    ),
    path(
        "activities/support-issues/add/",
        activities.support_issue_add,
        name="portal_support_issue_add",
    ),
    path(
        "activities/support-issues/<int:issue_id>/",
        activities.support_issue_detail,
        name="portal_support_issue",
    ),
    path("activities/feedback/add/", activities.feedback_add, name="portal_feedback_add"),
]


api_urlpatterns = [
    path("vocabularies/", vocabulary_api.VocabulariesApi.as_view(), name="api_vocabularies"),
    path("resources/", people_api.ResourceListApi.as_view(), name="api_resource_list"),
    path("resources/create/", people_api.ResourceCreateApi.as_view(), name="api_resource_create"),
    path("resources/<int:pk>/", people_api.ResourceDetailApi.as_view(), name="api_resource_detail"),
    path(
        "certifications/", people_api.CertificationListApi.as_view(), name="api_certification_list"
    ),
    path(
        "certifications/create/",
        people_api.CertificationCreateApi.as_view(),
        name="api_certification_create",
    ),
    path(
        "certifications/<int:pk>/",
        people_api.CertificationDetailApi.as_view(),
        name="api_certification_detail",
    ),
    path("activities/", activity_api.ActivityListApi.as_view(), name="api_activity_list"),
    path(
        "activities/create/", activity_api.ActivityCreateApi.as_view(), name="api_activity_create"
    ),
    path(
        "activities/<int:pk>/", activity_api.ActivityDetailApi.as_view(), name="api_activity_detail"
    ),
    path("attestations/", activity_api.AttestationListApi.as_view(), name="api_attestation_list"),
    path(
        "attestations/create/",
        activity_api.AttestationCreateApi.as_view(),
        name="api_attestation_create",
    ),
    path(
        "attestations/<int:pk>/",
        activity_api.AttestationDetailApi.as_view(),
        name="api_attestation_detail",
    ),
    path("releases/", activity_api.ReleaseListApi.as_view(), name="api_release_list"),
    path(
        "integration-updates/",
        activity_api.IntegrationUpdateListApi.as_view(),
        name="api_integration_update_list",
    ),
    path(
        "integration-updates/create/",
        activity_api.IntegrationUpdateCreateApi.as_view(),
        name="api_integration_update_create",
    ),
    path(
        "integration-updates/<int:pk>/",
        activity_api.IntegrationUpdateDetailApi.as_view(),
        name="api_integration_update_detail",
    ),
    path(
        "support-issues/", activity_api.SupportIssueListApi.as_view(), name="api_support_issue_list"
    ),
    path(
        "support-issues/create/",
        activity_api.SupportIssueCreateApi.as_view(),
        name="api_support_issue_create",
    ),
    path(
        "support-issues/<int:pk>/",
        activity_api.SupportIssueDetailApi.as_view(),
        name="api_support_issue_detail",
    ),
]
