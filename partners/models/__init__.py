"""Partner firms and everything about their life in a vendor's programs.

Split by concept: firms and contacts, applications and enrolments, people and
certifications, activities and attestations, tax documents and payout details.
"""

from partners.models.activities import (
    Activity,
    Attestation,
    CustomerFeedback,
    IntegrationUpdate,
    ReviewStatus,
    SupportIssue,
    VendorRelease,
)
from partners.models.breaches import BreachNotice
from partners.models.enrolment import (
    AgreementAcceptance,
    Application,
    ApplicationStatus,
    ContactRequest,
    Enrolment,
    EnrolmentStatus,
    FeeInvoice,
    InvoiceStatus,
    Notice,
    StandingChange,
    StandingSource,
    TerminationTask,
)
from partners.models.firms import ContactRole, PartnerContact, PartnerFirm
from partners.models.people import Certification, Resource
from partners.models.profile import PartnerProfile
from partners.models.tax import PayoutProfile, TaxDocument, TaxDocumentKind, TaxDocumentStatus

__all__ = [
    "Activity",
    "AgreementAcceptance",
    "Application",
    "ApplicationStatus",
    "Attestation",
    "BreachNotice",
    "Certification",
    "ContactRequest",
    "ContactRole",
    "CustomerFeedback",
    "Enrolment",
    "EnrolmentStatus",
    "FeeInvoice",
    "IntegrationUpdate",
    "InvoiceStatus",
    "Notice",
    "PartnerContact",
    "PartnerFirm",
    "PartnerProfile",
    "PayoutProfile",
    "Resource",
    "ReviewStatus",
    "StandingChange",
    "StandingSource",
    "SupportIssue",
    "TaxDocument",
    "TaxDocumentKind",
    "TaxDocumentStatus",
    "TerminationTask",
    "VendorRelease",
]
