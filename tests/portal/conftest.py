"""Shared by the portal tests: the enrolled cast of tests/deals and a one-pixel logo."""

from tests.deals.conftest import deals_cast  # noqa: F401  (the enrolled cast, as in tests/deals)

# the smallest valid PNG: one transparent pixel
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082"
)
