"""All partners URLs, gathered from one module per concept."""

from django.urls import path

from partners.api import enrolments as enrolment_api
from partners.api import firms as firm_api
from partners.urls_people import api_urlpatterns as people_api
from partners.urls_people import portal_urlpatterns as people_portal
from partners.urls_tax import api_urlpatterns as tax_api
from partners.urls_tax import portal_urlpatterns as tax_portal
from partners.views import applications, branding, directory, fees, home, notices

portal_urlpatterns = [
    path("", home.portal_home, name="portal_home"),
    path("logo/", branding.vendor_logo, name="portal_logo"),
    path("fees/<int:invoice_id>.pdf", fees.fee_invoice_pdf, name="portal_fee_invoice"),
    path("profile/", directory.profile_edit, name="portal_profile"),
    path("choose/", home.vendor_choose, name="portal_choose"),
    path("apply/", applications.apply, name="portal_apply"),
    path("apply/<slug:program_slug>/", applications.apply, name="portal_apply_program"),
    path(
        "notices/<int:notice_id>/read/",
        notices.change_notice_read,
        name="portal_change_notice_read",
    ),
    *people_portal,
    *tax_portal,
]

api_urlpatterns = [
    path("me/", firm_api.MeApi.as_view(), name="api_me"),
    path("partner-firms/", firm_api.FirmListApi.as_view(), name="api_firm_list"),
    path("partner-firms/<int:firm_id>/", firm_api.FirmDetailApi.as_view(), name="api_firm_detail"),
    path("applications/", enrolment_api.ApplicationApi.as_view(), name="api_applications"),
    path("enrolments/", enrolment_api.EnrolmentListApi.as_view(), name="api_enrolments"),
    *people_api,
    *tax_api,
]
