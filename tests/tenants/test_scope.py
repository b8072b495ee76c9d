import pytest
from django import forms
from django.core.exceptions import ValidationError

from partners.models import PartnerContact, PartnerFirm
from tenants.scope import ScopeError, all_tenants, no_scope, streamed_in_scope, tenant_scope


class ContactForm(forms.ModelForm):
    # Built at import time, outside any scope, like every ModelForm in the codebase.
    class Meta:
        model = PartnerContact
        fields = ("firm",)


def test_query_without_a_tenant_scope_raises(cast):
    with no_scope(), pytest.raises(ScopeError):
        list(PartnerFirm.objects.all())
    with no_scope(), pytest.raises(ScopeError):
        PartnerFirm.objects.count()
    with no_scope(), pytest.raises(ScopeError):
        PartnerFirm.objects.filter(name="x").exists()


def test_tenant_scope_returns_only_that_tenants_rows(cast):
    with tenant_scope(cast.tenant_a):
        names = set(PartnerFirm.objects.values_list("name", flat=True))
        assert names == {cast.firm_a1.name, cast.firm_a2.name}
        assert not PartnerFirm.objects.filter(pk=cast.firm_b1.pk).exists()
        assert PartnerFirm.objects.filter(pk=cast.firm_b1.pk).update(name="hijacked") == 0


def test_all_tenants_is_the_explicit_way_to_cross_tenants(cast):
    with all_tenants():
        assert PartnerFirm.objects.count() == 3


def test_subquery_of_scoped_model_is_scoped(cast):
    with tenant_scope(cast.tenant_a):
        firms_with_contacts = PartnerFirm.objects.filter(
            pk__in=PartnerContact.objects.values("firm")
        )
        assert cast.firm_b1 not in list(firms_with_contacts)


def test_modelform_built_outside_a_scope_offers_only_the_scoped_tenants_choices(cast):
    with tenant_scope(cast.tenant_a):
        choices = {label for _, label in ContactForm().fields["firm"].choices if _}
        refused = ContactForm(data={"firm": cast.firm_b1.pk})
        assert not refused.is_valid()
    assert choices == {cast.firm_a1.name, cast.firm_a2.name}
    assert "firm" in refused.errors


def test_modelform_choices_outside_any_scope_raise(cast):
    with no_scope(), pytest.raises(ScopeError):
        list(ContactForm().fields["firm"].choices)


def test_related_managers_are_scoped_too(cast):
    with no_scope(), pytest.raises(ScopeError):
        list(cast.firm_a1.contacts.all())
    with tenant_scope(cast.tenant_b):
        assert list(cast.firm_a1.contacts.all()) == []


def test_scopes_nest_and_restore(cast):
    with tenant_scope(cast.tenant_a):
        with tenant_scope(cast.tenant_b):
            assert list(PartnerFirm.objects.all()) == [cast.firm_b1]
        assert cast.firm_a1 in PartnerFirm.objects.all()
    with no_scope(), pytest.raises(ScopeError):
        PartnerFirm.objects.count()


def test_model_validation_refuses_links_across_tenants(cast):
    # a superuser's console works across tenants, so the model itself must refuse the mix
    contact = PartnerContact(tenant=cast.tenant_a, firm=cast.firm_b1, user=cast.stranger)
    with all_tenants(), pytest.raises(ValidationError) as excinfo:
        contact.full_clean()
    assert "belongs to another vendor" in str(excinfo.value.message_dict["firm"])


def test_inside_a_tenant_scope_another_tenants_row_does_not_exist(cast):
    contact = PartnerContact(tenant=cast.tenant_a, firm=cast.firm_b1, user=cast.stranger)
    with tenant_scope(cast.tenant_a), pytest.raises(ValidationError) as excinfo:
        contact.full_clean()
    assert "firm" in excinfo.value.message_dict


def test_a_stream_reads_in_the_scope_that_made_it_however_late_it_is_consumed(cast):
    def names():
        for firm in PartnerFirm.objects.order_by("name"):  # queried as the chunks are read
            yield firm.name

    with tenant_scope(cast.tenant_a):
        stream = streamed_in_scope(names())
    with tenant_scope(cast.tenant_b):
        other = streamed_in_scope(names())

    with no_scope():  # as a server reads a streaming response after the view returned
        assert list(stream) == sorted([cast.firm_a1.name, cast.firm_a2.name])
        assert list(other) == [cast.firm_b1.name]
        with pytest.raises(ScopeError):
            streamed_in_scope(names())
        with pytest.raises(ScopeError):  # the consumer's own code is not let in
            list(PartnerFirm.objects.all())
