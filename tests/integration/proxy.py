"""The shipped deployment, started for a test: Debian's nginx with deploy/nginx/khaibao.conf
in front of gunicorn with deploy/gunicorn.conf.py, both on loopback ports.

The site file is used as written except for the values a test must move (see
`render_site`); the main nginx.conf around it is the test's own, with Debian's http-level
defaults, its logs, pid and temporary files in a temporary directory. `Browser` talks
HTTPS to nginx from a chosen loopback source address (127.0.0.2, 127.0.0.3: each a
different client to the portal), keeps cookies, and trusts exactly the test's
self-signed certificate.
"""

import datetime
import http.client
import http.cookies
import json
import os
import re
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

REPO = Path(__file__).resolve().parents[2]
SITE_CONF = REPO / "deploy" / "nginx" / "khaibao.conf"
GUNICORN_CONF = REPO / "deploy" / "gunicorn.conf.py"
NGINX = "/usr/sbin/nginx"
# The host name in the shipped site file; the test keeps it (Host header, SNI, certificate).
SERVER_NAME = "khaibao.example.gov.vn"
ORIGIN = f"https://{SERVER_NAME}"

# The only strings of the site file a test replaces, each present exactly once.
SITE_UPSTREAM = "server 127.0.0.1:8001;"
SITE_STATIC_ROOT = "alias /srv/khaibao/staticfiles/;"
SITE_CERTIFICATE = f"ssl_certificate /etc/letsencrypt/live/{SERVER_NAME}/fullchain.pem;"
SITE_CERTIFICATE_KEY = f"ssl_certificate_key /etc/letsencrypt/live/{SERVER_NAME}/privkey.pem;"

MAIN_CONF = """\
{user}
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log notice;
events {{
    worker_connections 128;
}}
http {{
    # As in Debian's /etc/nginx/nginx.conf at http level, so that a directive the site
    # file repeated at that level fails here as it would on a server.
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;
    gzip on;

    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;

    include {site};
}}
"""


def _replace_once(text: str, old: str, new: str) -> str:
    count = text.count(old)
    assert count == 1, f"{SITE_CONF.name} should contain {old!r} once, found {count}"
    return text.replace(old, new)


def render_site(
    *,
    https_port: int,
    http_port: int,
    upstream: str,
    static_root: Path,
    certificate: Path,
    certificate_key: Path,
) -> str:
    """deploy/nginx/khaibao.conf with its ports on 127.0.0.1 (IPv6 listens dropped: the
    test reaches nginx over IPv4 loopback), the test's upstream, static root and
    certificate. Everything else is served exactly as shipped."""
    text = SITE_CONF.read_text(encoding="utf-8")
    text = _replace_once(text, SITE_UPSTREAM, f"server {upstream};")
    text = _replace_once(text, SITE_STATIC_ROOT, f"alias {static_root}/;")
    text = _replace_once(text, SITE_CERTIFICATE, f"ssl_certificate {certificate};")
    text = _replace_once(text, SITE_CERTIFICATE_KEY, f"ssl_certificate_key {certificate_key};")
    text, ipv6 = re.subn(r"(?m)^\s*listen \[::\]:\d+.*\n", "", text)
    text, https = re.subn(r"(?m)^(\s*)listen 443\b", rf"\g<1>listen 127.0.0.1:{https_port}", text)
    text, plain = re.subn(r"(?m)^(\s*)listen 80\b", rf"\g<1>listen 127.0.0.1:{http_port}", text)
    assert ipv6 and https and plain, "the site file should listen on 80 and 443, IPv4 and IPv6"
    return text


def self_signed_certificate(directory: Path, host: str = SERVER_NAME) -> tuple[Path, Path]:
    """An ECDSA P-256 certificate for `host`, valid for a day: (certificate, key) files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "fullchain.pem", directory / "privkey.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def wait_for_port(port: int, *, process: subprocess.Popen, timeout: float, details) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"process exited with {process.returncode} at start:\n{details()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s:\n{details()}")


def _tail(path: Path, chars: int = 4000) -> str:
    text = path.read_text(errors="replace") if path.exists() else "(no log)"
    return f"--- {path} ---\n{text[-chars:]}"


def stop_process(process: subprocess.Popen, *, sig=signal.SIGTERM, timeout: float = 20) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Gunicorn:
    """gunicorn with deploy/gunicorn.conf.py on `port`; its stdout (the access log) and
    stderr go to files in `directory`."""

    def __init__(self, *, port: int, env: dict[str, str], directory: Path):
        self.port = port
        self.access_log = directory / "gunicorn-access.log"
        self.error_log = directory / "gunicorn-error.log"
        with open(self.access_log, "w") as out, open(self.error_log, "w") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF)],
                cwd=REPO,
                env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2"},
                stdout=out,
                stderr=err,
            )
        try:
            wait_for_port(port, process=self.process, timeout=30, details=self.logs)
            self._wait_for_a_worker()
        except BaseException:
            self.stop()
            raise

    def _wait_for_a_worker(self) -> None:
        # The arbiter listens before its workers have imported Django: wait for an answer.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            try:
                connection.request("GET", "/healthz", headers={"Host": SERVER_NAME})
                connection.getresponse().read()
                return
            except OSError:
                time.sleep(0.2)
            finally:
                connection.close()
        pytest.fail(f"gunicorn did not answer within 30 s:\n{self.logs()}")

    def logs(self) -> str:
        return f"{_tail(self.error_log)}\n{_tail(self.access_log)}"

    def stop(self) -> None:
        stop_process(self.process)


class Nginx:
    """Debian's nginx in the foreground, everything it writes under `prefix`."""

    def __init__(self, *, prefix: Path, site: str, https_port: int, http_port: int):
        self.prefix = prefix
        self.https_port = https_port
        self.http_port = http_port
        self.error_log = prefix / "error.log"
        site_path = prefix / "khaibao.conf"
        site_path.write_text(site, encoding="utf-8")
        self.conf = prefix / "nginx.conf"
        # Workers run as the `user` given; as root the test's 0700 temporary directories
        # are readable to them (www-data, Debian's user, could not read them).
        user = "user root;" if os.geteuid() == 0 else ""
        self.conf.write_text(MAIN_CONF.format(user=user, prefix=prefix, site=site_path))
        command = [NGINX, "-p", str(prefix), "-c", str(self.conf), "-e", str(self.error_log)]
        checked = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True, timeout=30)
        assert checked.returncode == 0, f"nginx -t refused the site:\n{checked.stderr}"
        self.process = subprocess.Popen(
            [*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            wait_for_port(https_port, process=self.process, timeout=10, details=self.logs)
        except BaseException:
            self.stop()
            raise

    def logs(self) -> str:
        return _tail(self.error_log)

    def stop(self) -> None:
        stop_process(self.process, sig=signal.SIGQUIT)


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.body)


class _TlsConnection(http.client.HTTPConnection):
    """HTTPS to an IP address with a chosen SNI name and source address (the stdlib's
    HTTPSConnection takes the SNI name from the address it connects to)."""

    def __init__(self, *args, context: ssl.SSLContext, server_hostname: str, **kwargs):
        super().__init__(*args, **kwargs)
        self._context = context
        self._server_hostname = server_hostname

    def connect(self):
        super().connect()
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self._server_hostname)


def tls_context(certificate: Path) -> ssl.SSLContext:
    """Verifies the server against the test's certificate only, host name included."""
    return ssl.create_default_context(cafile=str(certificate))


class Browser:
    """One client of the portal: a loopback source address, its cookies, HTTPS to nginx."""

    def __init__(self, *, port: int, source_ip: str, context: ssl.SSLContext):
        self.port = port
        self.source_ip = source_ip
        self.context = context
        self.cookies: dict[str, str] = {}

    def connection(self, *, server_hostname: str = SERVER_NAME) -> _TlsConnection:
        return _TlsConnection(
            "127.0.0.1",
            self.port,
            timeout=30,
            source_address=(self.source_ip, 0),
            context=self.context,
            server_hostname=server_hostname,
        )

    def _headers(self, path: str, extra: dict[str, str] | None, *, post: bool) -> dict:
        headers = {"Host": SERVER_NAME, "User-Agent": "khaibao-proxy-test"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if post:
            # What a browser sends with a same-origin form post; Django checks it on HTTPS.
            headers["Origin"] = ORIGIN
            headers["Referer"] = ORIGIN + path
        return {**headers, **(extra or {})}

    def _remember_cookies(self, message: http.client.HTTPMessage) -> None:
        for header in message.get_all("Set-Cookie") or []:
            jar = http.cookies.SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def request(
        self, method: str, path: str, *, body: bytes = b"", headers: dict | None = None
    ) -> Response:
        connection = self.connection()
        try:
            connection.request(
                method,
                path,
                body=body or None,
                headers=self._headers(path, headers, post=method != "GET"),
            )
            response = connection.getresponse()
            result = Response(response.status, response.headers, response.read())
        finally:
            connection.close()
        self._remember_cookies(result.headers)
        return result

    def get(self, path: str, *, headers: dict | None = None) -> Response:
        return self.request("GET", path, headers=headers)

    def submit(self, path: str, fields: dict[str, str], *, headers: dict | None = None):
        """GET the form's page, then POST `fields` with its CSRF token, as a browser does."""
        page = self.get(path, headers=headers)
        assert page.status == 200, (page.status, page.text[:500])
        data = {"csrfmiddlewaretoken": csrf_token_in(page), **fields}
        return self.request(
            "POST",
            path,
            body=urllib.parse.urlencode(data).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})},
        )

    def send_partial_body(
        self, path: str, *, declared_length: int, sent: bytes, headers: dict | None = None
    ) -> Response:
        """POST announcing `declared_length` bytes but sending only `sent`, then read the
        answer: what a phone uploading a huge file looks like to nginx at first."""
        connection = self.connection()
        try:
            connection.putrequest("POST", path, skip_host=True, skip_accept_encoding=True)
            all_headers = self._headers(path, headers, post=True)
            all_headers["Content-Length"] = str(declared_length)
            for name, value in all_headers.items():
                connection.putheader(name, value)
            connection.endheaders()
            connection.send(sent)
            response = connection.getresponse()
            return Response(response.status, response.headers, response.read())
        finally:
            connection.close()


def csrf_token_in(page: Response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert match, f"no CSRF token in the page:\n{page.text[:500]}"
    return match.group(1)


def multipart(fields: dict[str, str], files: dict[str, tuple[str, str, bytes]]):
    """(body, content type) of a multipart/form-data post; files: name → (filename,
    content type, bytes)."""
    boundary = f"----khaibao{secrets.token_hex(8)}"
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    for name, (filename, content_type, content) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
