"""django-allauth hooks: where people land after signing in, and the account e-mails."""

from allauth.account.adapter import DefaultAccountAdapter

from partners.account_mail import SITE_NAME, account_mail_context
from partners.selectors.landing import landing_url


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request) -> str:
        """A `?next=` still wins (allauth checks it first); otherwise the person's own place."""
        return landing_url(request.user)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Account e-mails as text and HTML, their links on PRM_SITE_URL (partners.account_mail)."""
        context = account_mail_context(self.request, {"email": email, **context})
        vendor = context["tenant"]
        self._subject_prefix = f"[{vendor.name if vendor is not None else SITE_NAME}] "
        self.render_mail(template_prefix, email, context).send()

    def format_email_subject(self, subject: str) -> str:
        """ "[Simpro] Choose your password": the vendor the e-mail speaks for, else the site."""
        return getattr(self, "_subject_prefix", f"[{SITE_NAME}] ") + subject
