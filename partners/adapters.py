"""django-allauth hooks: where people land after signing in."""

from allauth.account.adapter import DefaultAccountAdapter

from partners.selectors.landing import landing_url


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request) -> str:
        """A `?next=` still wins (allauth checks it first); otherwise the person's own place."""
        return landing_url(request.user)
