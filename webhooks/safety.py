"""Where a webhook may be sent: https to a public address, never into our own network.

A URL is checked when it is saved and again at every send, against the addresses its host
resolves to at that moment, and the request then connects to the address that was checked:
a host that resolved to a public address at save time and to 10.0.0.1 now (DNS rebinding)
is refused instead of reaching the internal service. Hosts in PRM_WEBHOOK_ALLOW_HOSTS
(tests, development) skip both rules and may use plain http.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings


class UnsafeUrl(Exception):
    """A URL we refuse to send to; the message says why in words a vendor admin can act on."""


@dataclass(frozen=True)
class Target:
    """Where one attempt connects: the URL's parts and the address checked for it."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def _allow_listed(host: str) -> bool:
    return host.lower() in {h.lower() for h in settings.PRM_WEBHOOK_ALLOW_HOSTS}


def _refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why `address` is not one of the internet's, or None if it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1
    for flag, what in (  # the most telling name first: 169.254.x.x is private and link-local
        ("is_loopback", "a loopback"),
        ("is_link_local", "a link-local"),
        ("is_unspecified", "an unspecified"),
        ("is_multicast", "a multicast"),
        ("is_reserved", "a reserved"),
        ("is_private", "a private"),
    ):
        if getattr(address, flag):
            return f"{what} address"
    return None if address.is_global else "a non-public address"


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeUrl(f"The host {host!r} does not resolve.") from None
    return list(dict.fromkeys(info[4][0] for info in infos))


def target_of(url: str) -> Target:
    """The checked target of `url`, or UnsafeUrl saying what is wrong with it."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeUrl("Give a full URL, e.g. https://crm.example.com/hooks/prm.")
    if parts.username or parts.password:
        raise UnsafeUrl("Put no user name or password in the URL; the signature proves who sent.")
    allowed = _allow_listed(host)
    if parts.scheme != "https" and not (allowed and parts.scheme == "http"):
        raise UnsafeUrl("Use an https:// URL: events carry partner and money data.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeUrl("The port is not a number between 1 and 65535.") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    addresses = _resolve(host, port)
    if not allowed:
        for address in addresses:
            why = _refusal(ipaddress.ip_address(address.split("%")[0]))
            if why:
                raise UnsafeUrl(
                    f"{host} resolves to {address}, {why}: webhooks only go to public "
                    "internet addresses."
                )
    return Target(parts.scheme, host, port, path, addresses[0])
