"""The event types an endpoint can subscribe to: the public names of our domain events."""

from django.db import models


class EventType(models.TextChoices):
    APPLICATION_SUBMITTED = "partner_application.submitted", "Partner application submitted"
    APPLICATION_DECIDED = "partner_application.decided", "Partner application approved or rejected"
    REGISTRATION_SUBMITTED = "deal_registration.submitted", "Deal registration submitted"
    REGISTRATION_APPROVED = "deal_registration.approved", "Deal registration approved"
    REGISTRATION_REJECTED = "deal_registration.rejected", "Deal registration rejected"
    REGISTRATION_EXPIRING = "deal_registration.expiring", "Deal registration protection ending soon"
    REGISTRATION_EXPIRED = "deal_registration.expired", "Deal registration protection expired"
    ORDER_COMPLETED = "order.completed", "Order completed"
    TIER_CHANGED = "tier.changed", "Partner tier changed"
    COMMISSION_ACCRUED = "commission.accrued", "Commission accrued on an order"
    COMMISSION_CLAWED_BACK = "commission.clawed_back", "Commission clawed back after a refund"
    CLAIM_DECIDED = "claim.decided", "Commission claim approved or rejected"
    PAYOUT_BATCH_APPROVED = "payout_batch.approved", "Payout batch approved"
    PAYOUT_BATCH_PAID = "payout_batch.paid", "Payout batch paid"
    DISPUTE_FILED = "dispute.filed", "Dispute filed by a partner"
    DISPUTE_ESCALATED = "dispute.escalated", "Dispute escalated: its response time passed"
    DISPUTE_RESOLVED = "dispute.resolved", "Dispute upheld or dismissed"
