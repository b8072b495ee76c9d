"""URLs for tax (portal pages under /<tenant>/portal/, API under /<tenant>/api/v1/)."""

from django.urls import path

from partners.api import tax as api
from partners.views import tax as views

portal_urlpatterns: list = [
    path("tax/", views.tax_home, name="portal_tax"),
    path(
        "tax/documents/upload/",
        views.tax_document_upload_view,
        name="portal_tax_document_upload",
    ),
    path(
        "tax/documents/<int:document_id>/download/",
        views.tax_document_download,
        name="portal_tax_document_download",
    ),
    path("tax/payout/", views.payout_profile_edit, name="portal_payout_profile"),
    path(
        "tax/enrolments/<int:enrolment_id>/financial-benefit/",
        views.financial_benefit_elect,
        name="portal_financial_benefit",
    ),
]

api_urlpatterns: list = [
    path(
        "partner-firms/<int:firm_id>/tax-documents/",
        api.TaxDocumentListApi.as_view(),
        name="api_tax_document_list",
    ),
    path(
        "partner-firms/<int:firm_id>/tax-documents/upload/",
        api.TaxDocumentUploadApi.as_view(),
        name="api_tax_document_upload",
    ),
    path(
        "tax-documents/<int:document_id>/download/",
        api.TaxDocumentDownloadApi.as_view(),
        name="api_tax_document_download",
    ),
    path(
        "partner-firms/<int:firm_id>/payout-profile/",
        api.PayoutProfileDetailApi.as_view(),
        name="api_payout_profile",
    ),
    path(
        "partner-firms/<int:firm_id>/payout-profile/update/",
        api.PayoutProfileUpdateApi.as_view(),
        name="api_payout_profile_update",
    ),
    path(
        "enrolments/<int:enrolment_id>/financial-benefit/",
        api.FinancialBenefitDetailApi.as_view(),
        name="api_financial_benefit",
    ),
    path(
        "enrolments/<int:enrolment_id>/financial-benefit/elect/",
        api.FinancialBenefitElectApi.as_view(),
        name="api_financial_benefit_elect",
    ),
]
