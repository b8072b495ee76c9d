"""Plain-text e-mails say what people wrote, not HTML entities."""

from tenants.mail import render_plain


def test_plain_text_mail_keeps_what_people_wrote():
    body = render_plain(
        "partners/email/application_rejected_body.txt",
        {
            "tenant": {"name": "Simpro", "slug": "simpro"},
            "application": {"firm_name": "O'Brien & Sons", "rejection_reason": "Score < 3"},
        },
    )

    assert "of O'Brien & Sons to" in body
    assert "Reason: Score < 3" in body
