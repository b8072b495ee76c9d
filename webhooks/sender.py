"""One HTTP POST of a webhook: pinned to the checked address, short, no redirects.

The standard library's http.client (no new dependency) never follows redirects, so a 3xx
is simply an answer that is not 2xx. The whole attempt, connect to last byte read, is
bounded by one deadline, and only the first bytes of the answer are read and kept.
"""

import http.client
import socket
import ssl
import time
from dataclasses import dataclass

from webhooks.safety import Target

EXCERPT_BYTES = 2048
USER_AGENT = "PRM-Webhooks/1"


@dataclass(frozen=True)
class Answer:
    """What one attempt got back: a status code, or an error saying why there was none."""

    status_code: int | None
    latency_ms: int
    excerpt: str = ""
    error: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _PinnedConnection(http.client.HTTPConnection):
    """Connects to the address the safety check approved, whatever DNS says by now."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._target = target

    def connect(self) -> None:
        self.sock = socket.create_connection((self._target.address, self.port), self.timeout)
        if self._target.scheme == "https":
            # certificate and SNI are checked against the host name, not the address
            context = ssl.create_default_context()
            self.sock = context.wrap_socket(self.sock, server_hostname=self._target.host)


def _read_excerpt(response: http.client.HTTPResponse, deadline: float) -> str:
    data = b""
    while len(data) < EXCERPT_BYTES and time.monotonic() < deadline:
        chunk = response.read1(EXCERPT_BYTES - len(data))
        if not chunk:
            break
        data += chunk
    return data.decode("utf-8", errors="replace")


def post(target: Target, body: bytes, headers: dict, *, timeout: float) -> Answer:
    """POST `body` to `target`; never raises for the receiver's failures, reports them."""
    started = time.monotonic()
    deadline = started + timeout
    connection = _PinnedConnection(target, timeout)

    def elapsed() -> int:
        return round((time.monotonic() - started) * 1000)

    try:
        connection.request(
            "POST",
            target.path,
            body=body,
            headers={
                **headers,
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
            },
        )
        response = connection.getresponse()
        excerpt = _read_excerpt(response, deadline)
        return Answer(response.status, elapsed(), excerpt)
    except TimeoutError:
        return Answer(None, elapsed(), error=f"No answer within {timeout:g} s.")
    except ssl.SSLError as exc:
        return Answer(None, elapsed(), error=f"TLS failed: {exc.reason or exc}"[:300])
    except (OSError, http.client.HTTPException) as exc:
        return Answer(None, elapsed(), error=f"Connection failed: {exc}"[:300])
    finally:
        connection.close()
