import pytest

from partners.models import PartnerContact
from partners.services.contacts import contact_invite
from tenants.errors import Conflict
from tenants.scope import tenant_scope


def test_someone_removed_from_one_firm_can_join_another_of_the_same_vendor(cast, rf):
    contact = cast.partner_rep_a2
    with tenant_scope(cast.tenant_a):
        with pytest.raises(Conflict):
            contact_invite(
                request=rf.get("/"),
                tenant=cast.tenant_a,
                firm=cast.firm_a1,
                email=contact.user.email,
            )
        PartnerContact.objects.filter(pk=contact.pk).update(is_active=False)
        moved = contact_invite(
            request=rf.get("/"), tenant=cast.tenant_a, firm=cast.firm_a1, email=contact.user.email
        )
    assert (moved.pk, moved.firm, moved.is_active) == (contact.pk, cast.firm_a1, True)
