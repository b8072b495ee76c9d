"""A real HTTP receiver on 127.0.0.1: it checks each signature and answers as scripted."""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from webhooks.signing import InvalidSignature, verify


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    verified: bool
    at: float

    @property
    def event(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers `script` in turn (then `then`), after `delay` seconds; records every request."""

    secret: str = ""
    script: list[int] = field(default_factory=list)
    then: int = 200
    delay: float = 0.0
    padding: int = 0  # extra bytes in every answer
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hooks/prm"

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = dict(self.headers.items())
                try:
                    verify(receiver.secret, headers, body)
                    verified = True
                except InvalidSignature:
                    verified = False
                receiver.received.append(Received(self.path, headers, body, verified, time.time()))
                time.sleep(receiver.delay)
                status = receiver.script.pop(0) if receiver.script else receiver.then
                if not verified:
                    status = 401
                reply = json.dumps({"ok": status < 300, "verified": verified}).encode()
                reply += b" " * receiver.padding
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up waiting, as it should

            def log_message(self, *args):
                pass  # keep the test output clean

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
