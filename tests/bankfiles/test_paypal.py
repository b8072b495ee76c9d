"""The PayPal Payouts CSV of an approved batch, read back with csv."""

import csv
import io

from tests.bankfiles.conftest import download, usd_batch


def test_finance_downloads_the_paypal_payouts_csv(db):
    scenario = usd_batch()

    response = download(scenario.finance, scenario.batch, "paypal")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        [
            "Email/Phone",
            "Amount",
            "Currency code",
            "Reference ID",
            "Note to recipient",
            "Recipient wallet",
        ],
        [
            "pay@pal.test",
            "150.25",
            "USD",
            f"PRM-B{scenario.batch.pk}-F{scenario.pal.pk}",
            "Commission payout CIMcloud Registered Partner Program for Acumatica 2026-05",
            "PayPal",
        ],
    ]  # one row: the ACH partners, the held one and the outsider are in other files or none
