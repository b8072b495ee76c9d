"""Portal: a contact marks a program change notice as read."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from partners.selectors.program_notices import change_notices_unread
from partners.views.access import partner_required
from programs.services import program_change_notice_mark_read


@require_POST
@partner_required
def change_notice_read(request, notice_id: int):
    notice = get_object_or_404(change_notices_unread(contact=request.contact), pk=notice_id)
    program_change_notice_mark_read(tenant=request.tenant, notice=notice, user=request.user)
    messages.success(request, f"Notice of {notice.program.name} changes marked as read.")
    return redirect("portal_home", tenant_slug=request.tenant.slug)
