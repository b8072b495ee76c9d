"""The `data` of each event type: stable, documented fields, money as decimal strings.

These serializers both render what is sent and document it (webhooks/schema.py), so the
OpenAPI document cannot drift from the payloads. Fields are only ever added: a receiver
written against today's document keeps working.
"""

from rest_framework import serializers

from commissions.models import BatchStatus, Claim, PayoutLine
from deals.api.orders import MoneyOutput
from deals.models import LeadSource, RegistrationStatus
from disputes.models import DisputeKind, DisputeStatus
from partners.models import ApplicationStatus


class PartnerRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ProgramRef(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class TierRef(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField(help_text="The tier's name in the program version in force.")


class ApplicationData(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ApplicationStatus.choices)
    program = ProgramRef()
    partner = PartnerRef(source="firm", allow_null=True, help_text="Once approved: the firm.")
    firm_name = serializers.CharField()
    country = serializers.CharField(help_text="ISO 3166 alpha-2.")
    website = serializers.CharField(allow_blank=True)
    tracks = serializers.ListField(child=serializers.CharField())
    territories = serializers.ListField(child=serializers.CharField())
    applicant_email = serializers.EmailField(source="applicant.email")
    submitted_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    rejection_reason = serializers.CharField(allow_blank=True)


class RegistrationData(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=RegistrationStatus.choices)
    program = ProgramRef()
    partner = PartnerRef(source="firm")
    lead_source = serializers.ChoiceField(choices=LeadSource.choices)
    company_name = serializers.CharField()
    domain = serializers.CharField(allow_blank=True)
    country = serializers.CharField(help_text="ISO 3166 alpha-2.")
    contact_name = serializers.CharField(allow_blank=True)
    contact_email = serializers.CharField(allow_blank=True)
    products = serializers.CharField(allow_blank=True)
    estimated_value = MoneyOutput(source="estimated_value_minor", allow_null=True)
    currency = serializers.CharField(help_text="ISO 4217.")
    expected_close_on = serializers.DateField(allow_null=True)
    submitted_at = serializers.DateTimeField()
    approved_on = serializers.DateField(allow_null=True)
    expires_on = serializers.DateField(allow_null=True, help_text="End of protection.")
    decision_reason = serializers.CharField(allow_blank=True)
    rejection_reason = serializers.CharField(allow_blank=True, help_text="The program's key.")
    rejection_reason_label = serializers.CharField(allow_blank=True)


class CustomerRef(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField(allow_blank=True)
    name = serializers.CharField()
    country = serializers.CharField(allow_blank=True)


class OrderLineData(serializers.Serializer):
    id = serializers.IntegerField()
    product_code = serializers.CharField()
    product_category = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = MoneyOutput(source="price_minor", currency="order.currency")
    list_price = MoneyOutput(source="list_price_minor", currency="order.currency")
    amount = MoneyOutput(source="amount_minor", currency="order.currency")
    no_charge = serializers.BooleanField()


class OrderData(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField(allow_blank=True)
    customer = CustomerRef()
    partner = PartnerRef(source="firm", allow_null=True)
    registration_id = serializers.IntegerField(allow_null=True)
    currency = serializers.CharField(help_text="ISO 4217.")
    ordered_on = serializers.DateField()
    completed_on = serializers.DateField(allow_null=True)
    is_initial_purchase = serializers.BooleanField()
    lines = OrderLineData(many=True)


class TierChangeData(serializers.Serializer):
    enrolment_id = serializers.IntegerField()
    partner = PartnerRef()
    program = ProgramRef()
    tier = TierRef()
    previous_tier = TierRef(allow_null=True)
    effective_on = serializers.DateField()


class CommissionLineData(serializers.Serializer):
    id = serializers.IntegerField()
    order_line_id = serializers.IntegerField()
    rule_key = serializers.CharField(allow_blank=True)
    rule_name = serializers.CharField(allow_blank=True)
    tier_key = serializers.CharField(allow_blank=True, help_text="Held on the completion day.")
    basis = MoneyOutput(source="basis_minor")
    rate = serializers.CharField(allow_blank=True, help_text="As the rule states it.")
    amount = MoneyOutput(source="amount_minor")
    earned = serializers.BooleanField()
    explanation = serializers.CharField()


class CommissionAccruedData(serializers.Serializer):
    order_id = serializers.IntegerField()
    order_external_id = serializers.CharField(allow_blank=True)
    partner = PartnerRef()
    program = ProgramRef()
    completed_on = serializers.DateField()
    currency = serializers.CharField(help_text="ISO 4217.")
    amount = serializers.CharField(help_text='Total earned, a decimal string: "1234.50".')
    lines = CommissionLineData(many=True)


class ClawbackEntryData(serializers.Serializer):
    commission_line_id = serializers.IntegerField()
    program_id = serializers.IntegerField()
    amount = MoneyOutput(source="amount_minor", help_text="Negative: owed back.")
    booked_on = serializers.DateField()
    memo = serializers.CharField()


class CommissionClawedBackData(serializers.Serializer):
    refund_id = serializers.IntegerField()
    refund_external_id = serializers.CharField(allow_blank=True)
    order_id = serializers.IntegerField()
    partner = PartnerRef()
    refunded_on = serializers.DateField()
    refund_amount = serializers.CharField(help_text="Decimal string in the order's currency.")
    currency = serializers.CharField(help_text="ISO 4217.")
    amount = serializers.CharField(help_text='Total clawed back, negative: "-123.40".')
    entries = ClawbackEntryData(many=True)


class ClaimData(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Claim.Status.choices)
    kind = serializers.ChoiceField(choices=Claim.Kind.choices)
    partner = PartnerRef(source="firm")
    program = ProgramRef()
    order_id = serializers.IntegerField(allow_null=True)
    amount = MoneyOutput(source="amount_minor")
    currency = serializers.CharField(help_text="ISO 4217.")
    event_on = serializers.DateField()
    submitted_on = serializers.DateField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_reason = serializers.CharField(allow_blank=True)


class PayoutLineData(serializers.Serializer):
    partner = PartnerRef(source="firm")
    status = serializers.ChoiceField(choices=PayoutLine.Status.choices)
    net = MoneyOutput(source="net_minor", currency="batch.currency")
    withholding = MoneyOutput(source="withholding_minor", currency="batch.currency")
    payable = MoneyOutput(source="payable_minor", currency="batch.currency")
    hold_reason = serializers.CharField(allow_blank=True)


class PayoutBatchData(serializers.Serializer):
    id = serializers.IntegerField()
    program = ProgramRef()
    period = serializers.DateField(help_text="First day of the month the batch pays for.")
    status = serializers.ChoiceField(choices=BatchStatus.choices)
    currency = serializers.CharField(help_text="ISO 4217.")
    due_on = serializers.DateField()
    approved_at = serializers.DateTimeField(allow_null=True)
    paid_at = serializers.DateTimeField(allow_null=True)
    payment_reference = serializers.CharField(allow_blank=True)
    total_payable = serializers.CharField(help_text="Decimal string in the batch's currency.")
    lines = PayoutLineData(many=True)


class DisputeData(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=DisputeKind.choices)
    status = serializers.ChoiceField(choices=DisputeStatus.choices)
    partner = PartnerRef(source="firm")
    program = ProgramRef()
    subject_id = serializers.IntegerField(
        help_text="The disputed evaluation's, registration's or commission line's id."
    )
    subject = serializers.CharField(help_text="What is disputed, in words.")
    reason = serializers.CharField()
    filed_on = serializers.DateField()
    response_due_on = serializers.DateField(help_text="Business days, the vendor's holidays off.")
    resolution_due_on = serializers.DateField()
    responded_at = serializers.DateTimeField(allow_null=True)
    escalated_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    resolution_note = serializers.CharField(allow_blank=True)
