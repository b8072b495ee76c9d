"""django-allauth hooks: where people land after signing in."""

from allauth.account.adapter import DefaultAccountAdapter

from partners.account_mail import account_mail_context
from partners.selectors.landing import landing_url


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request) -> str:
        """A `?next=` still wins (allauth checks it first); otherwise the person's own place."""
        return landing_url(request.user)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Account e-mails as text and HTML, their links on PRM_SITE_URL (partners.account_mail)."""
        super().send_mail(template_prefix, email, account_mail_context(self.request, context))
