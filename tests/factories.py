"""Factories for the test suite; tenant-owned rows are created across scopes on purpose."""

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from partners.models import ContactRole, PartnerContact, PartnerFirm
from tenants.models import StaffMembership, StaffRole, Tenant
from tenants.scope import all_tenants

PASSWORD = "correct horse battery staple"


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"vendor{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    username = factory.SelfAttribute("email")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):
        user.save()
        if create:
            EmailAddress.objects.get_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )


class TenantOwnedFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with all_tenants():
            return super()._create(model_class, *args, **kwargs)


class StaffMembershipFactory(TenantOwnedFactory):
    class Meta:
        model = StaffMembership

    tenant = factory.SubFactory(TenantFactory)
    user = factory.SubFactory(UserFactory)
    role = StaffRole.MANAGER


class PartnerFirmFactory(TenantOwnedFactory):
    class Meta:
        model = PartnerFirm

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Partner Firm {n}")
    country = "US"


class PartnerContactFactory(TenantOwnedFactory):
    class Meta:
        model = PartnerContact

    firm = factory.SubFactory(PartnerFirmFactory)
    tenant = factory.SelfAttribute("firm.tenant")
    user = factory.SubFactory(UserFactory)
    role = ContactRole.PARTNER_REP
