"""E-mail leaves the request (issue 18): pages and API calls only queue their messages; a
Celery task delivers them after commit, and a failing mail server never fails a request."""

import smtplib

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client

from tenants import mail_queue

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
QUEUED = "tenants.mail_queue.QueuedEmailBackend"


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down."""

    attempts = 0

    def send_messages(self, email_messages):
        RefusingBackend.attempts += 1
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def queued(settings):
    # Django's test set-up forces locmem; production's setting is the queued backend
    settings.EMAIL_BACKEND = QUEUED
    settings.PRM_EMAIL_DELIVERY_BACKEND = LOCMEM
    return settings


@pytest.mark.django_db(transaction=True)  # committed, as the request's on-commit runs
def test_a_reset_request_queues_its_mail_and_the_task_delivers_it_after_commit(
    cast, queued, monkeypatch
):
    delivered = []
    real = mail_queue.deliver_email.delay
    monkeypatch.setattr(
        mail_queue.deliver_email,
        "delay",
        lambda payload: delivered.append(payload) or real(payload),
    )
    response = Client().post("/accounts/password/reset/", {"email": cast.manager_a.email})

    assert response.url == "/accounts/password/reset/done/"
    assert [p["to"] for p in delivered] == [[cast.manager_a.email]]  # through the task
    assert [m.to for m in mail.outbox] == [[cast.manager_a.email]]  # the outsider got nothing
    message = mail.outbox[0]
    assert "/accounts/password/reset/key/" in message.body
    assert [mimetype for _, mimetype in message.alternatives] == ["text/html"]


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_that_is_down_does_not_fail_the_request(cast, queued, caplog):
    queued.PRM_EMAIL_DELIVERY_BACKEND = f"{__name__}.RefusingBackend"
    RefusingBackend.attempts = 0
    response = Client().post("/accounts/password/reset/", {"email": cast.manager_a.email})

    assert response.status_code == 302 and response.url == "/accounts/password/reset/done/"
    assert mail.outbox == []
    assert RefusingBackend.attempts == 1
    # on record, with the retry the task asked for (a worker runs it after the backoff)
    assert "Retry in" in caplog.text and "Connection unexpectedly closed" in caplog.text


def test_a_message_survives_the_queue_with_its_parts_and_attachments():
    message = EmailMultiAlternatives(
        "Statement for May 2026",
        "Your statement is attached.",
        "PRM <no-reply@prm.test>",
        ["admin@sparkline.test"],
        cc=["rep@sparkline.test"],
        reply_to=["finance@simpro.test"],
        headers={"X-PRM-Tenant": "simpro"},
    )
    message.attach_alternative("<p>Your statement is attached.</p>", "text/html")
    message.attach("statement.pdf", b"%PDF-1.7 \x00\xff", "application/pdf")

    again = mail_queue.from_payload(mail_queue.as_payload(message))

    assert again.message().as_bytes().count(b"statement.pdf") == message.message().as_bytes().count(
        b"statement.pdf"
    )
    assert (again.subject, again.body, again.to, again.cc, again.reply_to) == (
        message.subject,
        message.body,
        message.to,
        message.cc,
        message.reply_to,
    )
    assert again.extra_headers == {"X-PRM-Tenant": "simpro"}
    assert again.alternatives[0][0] == "<p>Your statement is attached.</p>"
    assert again.attachments[0][:2] == ("statement.pdf", b"%PDF-1.7 \x00\xff")
