"""Standard Webhooks signatures: the spec's own example, and what a receiver must refuse."""

import base64
import re
from pathlib import Path

import pytest

from webhooks.signing import InvalidSignature, headers, secret_generate, signature, verify

# the example in the Standard Webhooks specification
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = b'{"test": 2432232314}'


def test_the_specifications_example_signs_as_it_says():
    assert signature(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) == (
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_a_secret_is_whsec_and_32_random_bytes():
    secret = secret_generate()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert secret_generate() != secret


def test_a_receiver_accepts_our_headers_and_refuses_forgeries():
    sent = headers(SPEC_SECRET, SPEC_ID, SPEC_BODY, now=SPEC_TIMESTAMP)
    verify(SPEC_SECRET, sent, SPEC_BODY, now=SPEC_TIMESTAMP + 10)
    # a rotation sends several signatures: one match is enough
    rotated = {**sent, "webhook-signature": "v1,bm90LXRoaXM= " + sent["webhook-signature"]}
    verify(SPEC_SECRET, rotated, SPEC_BODY, now=SPEC_TIMESTAMP)

    refusals = [
        (SPEC_SECRET, sent, b'{"test": 1}', SPEC_TIMESTAMP),  # body changed
        (secret_generate(), sent, SPEC_BODY, SPEC_TIMESTAMP),  # another secret
        (SPEC_SECRET, sent, SPEC_BODY, SPEC_TIMESTAMP + 301),  # replayed 5 minutes later
        (SPEC_SECRET, {**sent, "webhook-id": "msg_other"}, SPEC_BODY, SPEC_TIMESTAMP),
        (SPEC_SECRET, {"webhook-id": SPEC_ID}, SPEC_BODY, SPEC_TIMESTAMP),  # headers missing
    ]
    for secret, given, body, now in refusals:
        with pytest.raises(InvalidSignature):
            verify(secret, given, body, now=now)


def test_the_readmes_receiver_example_verifies_our_signature():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    example = re.search(r"## Webhooks.*?```python\n(.*?)```", readme, re.S).group(1)
    namespace = {}
    exec(example, namespace)
    secret, body = secret_generate(), b'{"type":"order.completed"}'
    namespace["verify"](secret, headers(secret, "msg_1", body), body)
    with pytest.raises(ValueError):
        namespace["verify"](secret, headers(secret_generate(), "msg_1", body), body)
