"""Written notice of a program change reaches every partner bound by the program."""

from collections import defaultdict

from django.utils import timezone

from partners.models import Enrolment, PartnerContact
from partners.models.enrolment import ENDED_STATUSES
from partners.notifications import send_partner_email
from programs.models import ProgramChangeNotice
from tenants.models import Tenant


def _recipients_by_firm(notice: ProgramChangeNotice) -> dict[int, list[str]]:
    """The active contacts of every firm whose enrolment in the program has not ended."""
    firms = (
        Enrolment.objects.filter(program_id=notice.program_id)
        .exclude(status__in=ENDED_STATUSES)
        .values("firm_id")
    )
    recipients: dict[int, list[str]] = defaultdict(list)
    for firm_id, email in PartnerContact.objects.filter(
        firm_id__in=firms, is_active=True
    ).values_list("firm_id", "user__email"):
        recipients[firm_id].append(email)
    return recipients


def program_change_notice_mail(*, tenant: Tenant, notice_id: int) -> int:
    """E-mail the notice once to each partner firm's contacts; returns the e-mails sent.

    The conditional UPDATE claims the notice first, so a second run (a retried task,
    two workers) sends nothing: a notice is mailed at most once.
    """
    claimed = ProgramChangeNotice.objects.filter(
        pk=notice_id, tenant=tenant, mailed_at__isnull=True
    ).update(mailed_at=timezone.now())
    if not claimed:
        return 0
    notice = ProgramChangeNotice.objects.select_related("program").get(pk=notice_id)
    sent = 0
    for to in _recipients_by_firm(notice).values():
        send_partner_email(
            template="program_change",
            to=to,
            context={"notice": notice, "tenant": tenant, "program": notice.program},
        )
        sent += 1
    return sent
