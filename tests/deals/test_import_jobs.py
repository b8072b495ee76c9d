"""Large imports run in a worker (issue 18): the upload answers at once with a job, and the
job tells how it went: the counts, or every row's problem with nothing imported."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from deals.imports_customers import CUSTOMER_COLUMNS
from deals.models import Customer, ImportJob
from tenants.scope import tenant_scope
from tests.deals.test_imports import as_csv, customers
from tests.isolation import assert_hidden_from


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def queue(client, data: bytes, kind: str = "customers", tenant: str = "simpro"):
    upload = SimpleUploadedFile("customers.csv", data, content_type="text/csv")
    return client.post(f"/{tenant}/api/v1/imports/{kind}/jobs/", {"file": upload})


@pytest.mark.django_db(transaction=True)  # the job is queued when the upload commits
def test_a_queued_import_answers_at_once_and_its_job_reports_the_counts(cast, media):
    manager = signed_in(cast.manager_a)
    response = queue(manager, as_csv(CUSTOMER_COLUMNS, customers(3)))

    assert response.status_code == 202
    job_url = response["Location"]
    assert job_url == f"/simpro/api/v1/imports/jobs/{response.json()['id']}/"
    # tasks run in-process here, at commit: the job has already run when it is read
    job = manager.get(job_url).json()
    assert (job["status"], job["status_label"]) == ("done", "Imported")
    assert (job["created"], job["updated"], job["unchanged"], job["errors"]) == (3, 0, 0, [])
    assert job["finished_at"]
    with tenant_scope(cast.tenant_a):
        assert Customer.objects.count() == 3
    assert list(media.rglob("*.csv")) == []  # the upload is gone once it has served
    # the same file again: nothing changes
    again = manager.get(queue(manager, as_csv(CUSTOMER_COLUMNS, customers(3)))["Location"])
    assert again.json()["unchanged"] == 3


@pytest.mark.django_db(transaction=True)
def test_a_refused_file_imports_nothing_and_its_job_lists_every_bad_row(cast, media):
    manager = signed_in(cast.manager_a)
    rows = customers(4, {2: {"country": "Australia"}, 4: {"name": ""}})
    job = manager.get(queue(manager, as_csv(CUSTOMER_COLUMNS, rows))["Location"]).json()

    assert job["status"] == "refused" and job["status_label"] == "Refused (nothing imported)"
    assert [(e["row"], e["column"]) for e in job["errors"]] == [(3, "country"), (5, "name")]
    assert "nothing of the file was imported" in job["message"]
    with tenant_scope(cast.tenant_a):
        assert not Customer.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_job_runs_once_however_often_its_task_is_delivered(cast, media):
    from deals.tasks import import_job_run

    manager = signed_in(cast.manager_a)
    job_id = queue(manager, as_csv(CUSTOMER_COLUMNS, customers(2))).json()["id"]
    import_job_run.delay(cast.tenant_a.pk, job_id)  # a second delivery of the same task
    with tenant_scope(cast.tenant_a):
        assert ImportJob.objects.get(pk=job_id).created == 2
        assert Customer.objects.count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("who", ["partner_rep_a1", "manager_b", "stranger"])
def test_outsiders_can_neither_queue_nor_read_a_vendors_import(cast, media, who):
    manager = signed_in(cast.manager_a)
    job_url = queue(manager, as_csv(CUSTOMER_COLUMNS, customers(1)))["Location"]
    user = getattr(cast, who)
    user = getattr(user, "user", user)
    assert_hidden_from(user, job_url)
    data = {"file": SimpleUploadedFile("c.csv", as_csv(CUSTOMER_COLUMNS, customers(2)))}
    assert_hidden_from(user, "/simpro/api/v1/imports/customers/jobs/", method="post", data=data)
    with tenant_scope(cast.tenant_a):
        assert Customer.objects.count() == 1 and ImportJob.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_finance_may_queue_refunds_but_not_customers(cast, media):
    finance = signed_in(cast.finance_a)
    response = queue(finance, as_csv(CUSTOMER_COLUMNS, customers(1)))
    assert response.status_code == 403
    assert queue(finance, b"x", kind="partners").status_code == 404
