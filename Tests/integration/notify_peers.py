"""Real peers for the notify daemon's channels, run in-process.

- ``SMTPPeer``: an aiosmtpd server with STARTTLS (or implicit TLS) and required AUTH PLAIN/LOGIN,
  that records every message it accepts and can refuse chosen recipients with 451 or 550.
- ``HTTPPeer``: a Twilio-compatible SMS gateway (``POST /2010-04-01/Accounts/{sid}/Messages.json``)
  and a webhook receiver (``POST /hooks/{name}``, HMAC-SHA256 verified), honouring
  ``Idempotency-Key``, with knobs for forced 500/429 replies, a delay, and stop/start.
- ``make_test_certificate``: a self-signed certificate for localhost / 127.0.0.1 (``openssl``).

Stdlib plus aiosmtpd only, and nothing runs at import: pytest fixtures and the Swift peer tests
(``CHARGEBUS_NOTIFY_PEERS``) both use it. ``python notify_peers.py --json peers.json`` starts
one of each and serves a small control API (``/_control/...``) on the HTTP peer, so that another
process can drive the knobs.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import email
import email.policy
import hashlib
import hmac
import json
import logging
import os
import signal
import socket
import ssl
import subprocess
import threading
import time
import urllib.parse
import warnings
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterable, Optional

__all__ = [
    "make_test_certificate",
    "free_port",
    "ReceivedMail",
    "SMTPPeer",
    "SMSMessage",
    "WebhookDelivery",
    "HTTPPeer",
]


def make_test_certificate(directory: str | os.PathLike) -> tuple[str, str]:
    """A self-signed certificate valid 2 days for ``localhost`` and ``127.0.0.1``.

    It is its own CA: pass the certificate path as the client's CA file.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / "peer-cert.pem", directory / "peer-key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", str(key_path), "-out", str(cert_path),
        ],
        check=True,
        capture_output=True,
    )
    return str(cert_path), str(key_path)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_tls_context(cert_path: str, key_path: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context


# --------------------------------------------------------------------------------------------
# SMTP


@dataclasses.dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes
    #: ``PLAIN`` or ``LOGIN`` (whatever the client chose), None when it didn't authenticate.
    auth_mechanism: Optional[str]
    auth_login: Optional[str]
    #: Whether the session was encrypted (after STARTTLS, or implicit TLS).
    tls: bool
    #: When the server accepted it (time.time()), for latency measurements.
    received_at: float = dataclasses.field(default_factory=time.time)

    @property
    def subject(self) -> Optional[str]:
        return self.message["Subject"]

    @property
    def message_id(self) -> Optional[str]:
        return self.message["Message-ID"]

    def header(self, name: str) -> Optional[str]:
        return self.message[name]

    def _part(self, subtype: str) -> Optional[str]:
        for part in self.message.walk():
            if part.get_content_type() == f"text/{subtype}":
                return part.get_content()
        return None

    @property
    def text(self) -> Optional[str]:
        return self._part("plain")

    @property
    def html(self) -> Optional[str]:
        return self._part("html")

    def as_json(self) -> dict[str, Any]:
        return {
            "mail_from": self.mail_from,
            "rcpt_tos": self.rcpt_tos,
            "subject": self.subject,
            "message_id": self.message_id,
            "key_header": self.header("X-ChargeBus-Key"),
            "from": self.header("From"),
            "to": self.header("To"),
            "date": self.header("Date"),
            "content_type": self.message.get_content_type(),
            "text": self.text,
            "html": self.html,
            "auth_mechanism": self.auth_mechanism,
            "auth_login": self.auth_login,
            "tls": self.tls,
            "max_line_length": max((len(line) for line in self.raw.split(b"\r\n")), default=0),
        }


class _AiosmtpdNoise(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return "login_data is deprecated" not in message and "auth_require_tls == False" not in message


def _quiet_aiosmtpd_log() -> None:
    logger = logging.getLogger("mail.log")
    if not any(isinstance(existing, _AiosmtpdNoise) for existing in logger.filters):
        logger.addFilter(_AiosmtpdNoise())


class _SMTPHandler:
    def __init__(self, peer: "SMTPPeer"):
        self.peer = peer

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's name)
        verdict = self.peer._verdict(address)
        if verdict == "temporary":
            return "451 4.3.0 Mailbox temporarily unavailable, try again later"
        if verdict == "permanent":
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        mechanism, login = session.auth_data if isinstance(session.auth_data, tuple) else (None, None)
        mail = ReceivedMail(
            mail_from=envelope.mail_from,
            rcpt_tos=list(envelope.rcpt_tos),
            message=message,
            raw=raw,
            auth_mechanism=mechanism,
            auth_login=login,
            tls=self.peer.implicit_tls or session.ssl is not None,
        )
        number = self.peer._record(mail)
        return "250 2.0.0 OK: queued as %d" % number


class SMTPPeer:
    """An SMTP server on 127.0.0.1 that requires TLS (STARTTLS, or implicit) and AUTH.

    ``starttls=False`` makes a server that doesn't offer STARTTLS (and allows AUTH in clear),
    to check that a client requiring STARTTLS refuses to send. ``implicit_tls=True`` speaks TLS
    from the first byte (port-465 style). ``reject_temporary``/``reject_permanent`` are
    recipients answered 451/550 at RCPT; both sets can be changed while running.
    """

    def __init__(
        self,
        cert_path: Optional[str] = None,
        key_path: Optional[str] = None,
        *,
        starttls: bool = True,
        implicit_tls: bool = False,
        username: str = "notify",
        password: str = "s3cret-Pa55",
        port: Optional[int] = None,
        reject_temporary: Iterable[str] = (),
        reject_permanent: Iterable[str] = (),
    ):
        if (starttls or implicit_tls) and not (cert_path and key_path):
            raise ValueError("TLS needs cert_path and key_path (see make_test_certificate)")
        self.cert_path, self.key_path = cert_path, key_path
        self.starttls = starttls and not implicit_tls
        self.implicit_tls = implicit_tls
        self.username, self.password = username, password
        self.port = port or free_port()
        self.reject_temporary: set[str] = set(reject_temporary)
        self.reject_permanent: set[str] = set(reject_permanent)
        #: AUTH attempts that failed, as (mechanism, login).
        self.failed_logins: list[tuple[str, str]] = []
        self._messages: list[ReceivedMail] = []
        self._lock = threading.Lock()
        self._received = threading.Condition(self._lock)
        self._controller = None

    # lifecycle

    def start(self) -> "SMTPPeer":
        from aiosmtpd.controller import Controller  # imported late: the module loads without it

        if self._controller is not None:
            return self
        tls_context = _server_tls_context(self.cert_path, self.key_path) if self.cert_path else None
        kwargs: dict[str, Any] = dict(
            hostname="127.0.0.1",
            port=self.port,
            server_hostname="peer.chargebus.test",
            authenticator=self._authenticate,
            auth_required=True,
        )
        if self.implicit_tls:
            # aiosmtpd only counts STARTTLS as TLS for auth_require_tls; this socket is TLS anyway.
            kwargs.update(ssl_context=tls_context, auth_require_tls=False)
        elif self.starttls:
            kwargs.update(tls_context=tls_context, require_starttls=True, auth_require_tls=True)
        else:
            kwargs.update(auth_require_tls=False)
        # aiosmtpd warns about its own deprecated attribute on every AUTH, and about the
        # deliberately insecure no-STARTTLS variant: neither says anything about the client.
        warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
        _quiet_aiosmtpd_log()
        # A new Controller each time: a stopped one has closed its event loop.
        controller = Controller(_SMTPHandler(self), **kwargs)
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        """Stops listening; ``start()`` listens again on the same port."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    @property
    def running(self) -> bool:
        return self._controller is not None

    def __enter__(self) -> "SMTPPeer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # recording

    @property
    def messages(self) -> list[ReceivedMail]:
        with self._lock:
            return list(self._messages)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()
            self.failed_logins.clear()

    def wait_for_messages(self, count: int, timeout: float = 10.0) -> list[ReceivedMail]:
        deadline = time.monotonic() + timeout
        with self._received:
            while len(self._messages) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{len(self._messages)} of {count} messages after {timeout}s")
                self._received.wait(remaining)
            return list(self._messages)

    def description(self) -> dict[str, Any]:
        return {
            "host": "127.0.0.1",
            "port": self.port,
            "security": "tls" if self.implicit_tls else ("starttls" if self.starttls else "none"),
            "username": self.username,
            "password": self.password,
            "running": self.running,
        }

    # aiosmtpd callbacks (on the controller's thread)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult, LoginPassword

        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        if login == self.username and password == self.password:
            return AuthResult(success=True, auth_data=(mechanism, login))
        with self._lock:
            self.failed_logins.append((mechanism, login))
        return AuthResult(success=False, handled=False)

    def _verdict(self, address: str) -> Optional[str]:
        bare = address.strip("<>")
        with self._lock:
            if bare in self.reject_temporary:
                return "temporary"
            if bare in self.reject_permanent:
                return "permanent"
        return None

    def _record(self, mail: ReceivedMail) -> int:
        with self._received:
            self._messages.append(mail)
            self._received.notify_all()
            return len(self._messages)


# --------------------------------------------------------------------------------------------
# HTTP: the SMS gateway and the webhook receiver


@dataclasses.dataclass
class SMSMessage:
    account_sid: str
    to: str
    from_: str
    body: str
    sid: str
    idempotency_key: Optional[str]
    raw_form: str
    headers: dict[str, str]
    #: When the gateway accepted it (time.time()), for latency measurements.
    received_at: float = dataclasses.field(default_factory=time.time)


@dataclasses.dataclass
class WebhookDelivery:
    name: str
    body: Any
    raw: bytes
    signature: str
    idempotency_key: Optional[str]
    timestamp: Optional[str]
    headers: dict[str, str]


class _HTTPHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_PeerHTTPServer"

    def log_message(self, format, *args):  # quiet: the recorded requests are what tests look at
        pass

    def do_POST(self):  # noqa: N802 (http.server's name)
        peer = self.server.peer
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/_control/"):
            return self._reply(*peer._control(path[len("/_control/"):], body))
        if peer.delay_s:
            time.sleep(peer.delay_s)
        status, payload, headers = peer._handle(path, dict(self.headers.items()), body)
        self._reply(status, payload, headers)

    def do_GET(self):  # noqa: N802
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/_control/"):
            return self._reply(*self.server.peer._control(path[len("/_control/"):], b""))
        self._reply(404, {"code": 20404, "message": "not found"})

    def _reply(self, status: int, payload: Any, headers: Optional[dict[str, str]] = None):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class _PeerHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, peer: "HTTPPeer", tls_context: Optional[ssl.SSLContext]):
        self.peer = peer
        self.tls_context = tls_context
        super().__init__(address, _HTTPHandler)

    def get_request(self):
        sock, address = super().get_request()
        if self.tls_context is not None:
            # The handshake runs on the request's own thread (on first read), not in accept().
            sock = self.tls_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request, client_address):  # a client that gave up mid-TLS is no test failure
        pass


class HTTPPeer:
    """The SMS gateway and the webhook receiver, on one ThreadingHTTPServer on 127.0.0.1.

    Pass a certificate to serve HTTPS. Knobs: ``fail_next(n, status, retry_after)``, ``delay_s``,
    ``invalid_numbers`` (answered 400 with Twilio's error 21211), ``stop()``/``start()``.
    A request repeating an ``Idempotency-Key`` that was answered 2xx gets the original reply and
    is counted in ``replays``, not recorded again.
    """

    def __init__(
        self,
        cert_path: Optional[str] = None,
        key_path: Optional[str] = None,
        *,
        account_sid: str = "AC0123456789abcdef0123456789abcdef",
        auth_token: str = "sms-token-0123",
        webhook_secrets: Optional[dict[str, str]] = None,
        signature_header: str = "X-ChargeBus-Signature",
        port: Optional[int] = None,
        smtp_peers: Optional[dict[str, SMTPPeer]] = None,
    ):
        self.cert_path, self.key_path = cert_path, key_path
        self.account_sid, self.auth_token = account_sid, auth_token
        self.webhook_secrets = dict(webhook_secrets if webhook_secrets is not None else {"ops": "hook-secret-0123"})
        self.signature_header = signature_header
        self.port = port or free_port()
        #: SMTP peers the control API can stop, start and read (``/_control/smtp/{name}/...``).
        self.smtp_peers = dict(smtp_peers or {})
        self.delay_s = 0.0
        #: Valid-looking numbers the gateway refuses (Twilio's magic "invalid" test number).
        self.invalid_numbers: set[str] = {"+15005550001"}
        self.sms_messages: list[SMSMessage] = []
        self.webhook_deliveries: list[WebhookDelivery] = []
        #: Requests refused for bad credentials or a bad signature, as (path, reason).
        self.rejected: list[tuple[str, str]] = []
        self.replays = 0
        self.requests = 0
        self._forced: list[tuple[int, Optional[float]]] = []
        self._idempotent: dict[tuple[str, str], tuple[int, Any]] = {}
        self._lock = threading.Lock()
        self._server: Optional[_PeerHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    # lifecycle

    @property
    def scheme(self) -> str:
        return "https" if self.cert_path else "http"

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def webhook_url(self, name: str) -> str:
        return f"{self.base_url}/hooks/{name}"

    def start(self) -> "HTTPPeer":
        if self._server is not None:
            return self
        context = _server_tls_context(self.cert_path, self.key_path) if self.cert_path else None
        self._server = _PeerHTTPServer(("127.0.0.1", self.port), self, context)
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"http-peer-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops listening; ``start()`` listens again on the same port."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "HTTPPeer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # knobs

    def fail_next(self, count: int = 1, status: int = 500, retry_after: Optional[float] = None) -> None:
        """The next ``count`` SMS or webhook requests get ``status`` (with ``Retry-After``)."""
        with self._lock:
            self._forced.extend([(status, retry_after)] * count)

    def reset(self) -> None:
        with self._lock:
            self.sms_messages.clear()
            self.webhook_deliveries.clear()
            self.rejected.clear()
            self._forced.clear()
            self._idempotent.clear()
            self.replays = 0
            self.requests = 0
            self.delay_s = 0.0

    def description(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "port": self.port,
            "account_sid": self.account_sid,
            "auth_token": self.auth_token,
            "webhooks": {name: {"url": self.webhook_url(name), "secret": secret} for name, secret in self.webhook_secrets.items()},
            "signature_header": self.signature_header,
            "invalid_numbers": sorted(self.invalid_numbers),
        }

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self.requests,
                "replays": self.replays,
                "rejected": [list(item) for item in self.rejected],
                "sms": [dataclasses.asdict(message) for message in self.sms_messages],
                "webhooks": [
                    {**dataclasses.asdict(delivery), "raw": delivery.raw.decode("utf-8", "replace")}
                    for delivery in self.webhook_deliveries
                ],
            }

    # request handling (on the server's request threads)

    def _handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any, dict[str, str]]:
        headers = {name.lower(): value for name, value in headers.items()}
        with self._lock:
            self.requests += 1
            if self._forced:
                status, retry_after = self._forced.pop(0)
                extra = {"Retry-After": _format_seconds(retry_after)} if retry_after is not None else {}
                return status, {"code": 20500 if status >= 500 else 20429, "message": f"forced {status}"}, extra
        parts = path.strip("/").split("/")
        if len(parts) == 4 and parts[:2] == ["2010-04-01", "Accounts"] and parts[3] == "Messages.json":
            return self._handle_sms(parts[2], headers, body)
        if len(parts) == 2 and parts[0] == "hooks":
            return self._handle_webhook(parts[1], headers, body)
        return 404, {"code": 20404, "message": f"no resource at {path}"}, {}

    def _replayed(self, path: str, key: Optional[str]) -> Optional[tuple[int, Any, dict[str, str]]]:
        if not key:
            return None
        with self._lock:
            original = self._idempotent.get((path, key))
            if original is None:
                return None
            self.replays += 1
            return original[0], original[1], {"Idempotent-Replayed": "true"}

    def _remember(self, path: str, key: Optional[str], status: int, payload: Any) -> None:
        if key:
            self._idempotent[(path, key)] = (status, payload)

    def _handle_sms(self, sid: str, headers: dict[str, str], body: bytes):
        path = f"sms:{sid}"
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if sid != self.account_sid or not hmac.compare_digest(headers.get("authorization", ""), expected):
            with self._lock:
                self.rejected.append((path, "authentication"))
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}, {}
        if headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
            return 400, {"code": 20001, "message": "expected a form body"}, {}
        key = headers.get("idempotency-key")
        replay = self._replayed(path, key)
        if replay is not None:
            return replay
        form = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        to, from_, text = (form.get(name, [""])[0] for name in ("To", "From", "Body"))
        if not to or not text:
            return 400, {"code": 21604, "message": "A 'To' phone number and a 'Body' are required."}, {}
        if to in self.invalid_numbers:
            return 400, {"code": 21211, "message": f"The 'To' number {to} is not a valid phone number.", "status": 400}, {}
        with self._lock:
            replay_race = self._idempotent.get((path, key)) if key else None
            if replay_race is not None:
                self.replays += 1
                return replay_race[0], replay_race[1], {"Idempotent-Replayed": "true"}
            message_sid = "SM%032x" % (len(self.sms_messages) + 1)
            self.sms_messages.append(SMSMessage(
                account_sid=sid, to=to, from_=from_, body=text, sid=message_sid, idempotency_key=key,
                raw_form=body.decode("utf-8", "replace"), headers=headers,
            ))
            payload = {"sid": message_sid, "status": "queued", "to": to, "from": from_, "body": text, "account_sid": sid}
            self._remember(path, key, 201, payload)
        return 201, payload, {}

    def _handle_webhook(self, name: str, headers: dict[str, str], body: bytes):
        path = f"hook:{name}"
        secret = self.webhook_secrets.get(name)
        if secret is None:
            return 404, {"message": f"no webhook {name}"}, {}
        signature = headers.get(self.signature_header.lower(), "")
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(signature, expected):
            with self._lock:
                self.rejected.append((path, "signature"))
            return 401, {"message": "bad signature"}, {}
        if headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return 415, {"message": "expected application/json"}, {}
        key = headers.get("idempotency-key")
        replay = self._replayed(path, key)
        if replay is not None:
            return replay
        try:
            document = json.loads(body)
        except ValueError:
            return 400, {"message": "body is not JSON"}, {}
        with self._lock:
            if key and (path, key) in self._idempotent:
                self.replays += 1
                status, payload = self._idempotent[(path, key)]
                return status, payload, {"Idempotent-Replayed": "true"}
            self.webhook_deliveries.append(WebhookDelivery(
                name=name, body=document, raw=body, signature=signature, idempotency_key=key,
                timestamp=headers.get("x-chargebus-timestamp"), headers=headers,
            ))
            payload = {"received": len(self.webhook_deliveries)}
            self._remember(path, key, 200, payload)
        return 200, payload, {}

    # the control API, for another process (the Swift peer tests)

    def _control(self, command: str, body: bytes) -> tuple[int, Any]:
        try:
            arguments = json.loads(body) if body else {}
        except ValueError:
            return 400, {"error": "control bodies are JSON"}
        parts = command.strip("/").split("/")
        if parts == ["state"]:
            return 200, self.state()
        if parts == ["reset"]:
            self.reset()
            for peer in self.smtp_peers.values():
                peer.clear()
                if not peer.running:
                    peer.start()
            return 200, {"ok": True}
        if parts == ["fail"]:
            self.fail_next(int(arguments.get("count", 1)), int(arguments.get("status", 500)), arguments.get("retry_after"))
            return 200, {"ok": True}
        if parts == ["delay"]:
            self.delay_s = float(arguments.get("seconds", 0))
            return 200, {"ok": True}
        if len(parts) == 3 and parts[0] == "smtp" and parts[1] in self.smtp_peers:
            peer = self.smtp_peers[parts[1]]
            if parts[2] == "stop":
                peer.stop()
            elif parts[2] == "start":
                peer.start()
            elif parts[2] == "messages":
                return 200, {"messages": [mail.as_json() for mail in peer.messages],
                             "failed_logins": [list(item) for item in peer.failed_logins]}
            else:
                return 404, {"error": f"unknown SMTP command {parts[2]}"}
            return 200, {"ok": True, "running": peer.running}
        return 404, {"error": f"unknown control command {command}"}


def _format_seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


# --------------------------------------------------------------------------------------------


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Run the notify channels' test peers until interrupted.")
    parser.add_argument("--dir", default=None, help="where to write the certificate (default: a temporary directory)")
    parser.add_argument("--json", default=None, help="also write the peers' description to this file")
    parser.add_argument("--plain-http", action="store_true", help="serve the SMS gateway and webhooks over HTTP, not HTTPS")
    arguments = parser.parse_args(argv)

    import tempfile

    directory = arguments.dir or tempfile.mkdtemp(prefix="chargebus-notify-peers-")
    cert_path, key_path = make_test_certificate(directory)
    rejects = dict(reject_temporary={"busy@example.com"}, reject_permanent={"nobody@example.com"})
    smtp_peers = {
        "starttls": SMTPPeer(cert_path, key_path, **rejects),
        "implicit_tls": SMTPPeer(cert_path, key_path, implicit_tls=True, **rejects),
        "no_starttls": SMTPPeer(starttls=False, **rejects),
    }
    http_peer = HTTPPeer(None if arguments.plain_http else cert_path, None if arguments.plain_http else key_path,
                         smtp_peers=smtp_peers)
    for peer in smtp_peers.values():
        peer.start()
    http_peer.start()
    description = {
        "cert": cert_path,
        "smtp": {name: peer.description() for name, peer in smtp_peers.items()},
        "smtp_reject_temporary": "busy@example.com",
        "smtp_reject_permanent": "nobody@example.com",
        "http": http_peer.description(),
    }
    # SIGTERM (a script's `kill`) stops the peers as cleanly as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    text = json.dumps(description, indent=2)
    if arguments.json:
        Path(arguments.json).write_text(text)
    print(text, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        http_peer.stop()
        for peer in smtp_peers.values():
            peer.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
