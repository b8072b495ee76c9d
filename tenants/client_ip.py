"""The client's address, the same for every caller: console lockout, agreement acceptances.

Behind `PROXY_COUNT` reverse proxies, each appends the address it received the request
from to X-Forwarded-For, so the client is the PROXY_COUNT-th entry from the right; entries
further left are whatever the client sent and are never trusted. Without proxies, or when
the header does not have that many entries, the peer address (REMOTE_ADDR) is the answer.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address as seen through the configured number of proxies."""
    peer = request.META.get("REMOTE_ADDR") or None
    proxies = settings.PROXY_COUNT
    if proxies <= 0:
        return peer
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if len(hops) < proxies:
        return peer
    candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return peer
