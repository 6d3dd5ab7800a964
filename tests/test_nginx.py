"""deploy/nginx.conf as an operator installs it, in front of the production site under gunicorn.

The configuration file itself is used, with only what an installation changes replaced: the host name, the
certificate's paths, the ports and the log's path. A self-signed certificate stands in for Let's Encrypt's.
What it proves: the site's own name is served; a request naming any other host is closed without an answer
(over HTTPS, whichever name the TLS handshake gave, and over plain HTTP), so the app never sees it; a TLS
handshake for an unknown name is refused; and a forged X-Forwarded-Host is replaced by nginx before the app
reads it. `make test` installs nginx and openssl (Debian's packages) when they are missing.
"""

from __future__ import annotations

import http.client
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.live_site import ROOT, Gunicorn, production_environment, running_site, throwaway_database
from tests.mailbox import free_port

NAME = "lcp.test"  # production_environment's SITE_URL host
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"


@dataclass
class Proxy:
    https_port: int
    http_port: int
    app: Gunicorn


def site_config(directory: Path, https_port: int, http_port: int, upstream: int) -> str:
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    replacements = {
        "/etc/letsencrypt/live/lcp.example.org/fullchain.pem": str(directory / "cert.pem"),
        "/etc/letsencrypt/live/lcp.example.org/privkey.pem": str(directory / "key.pem"),
        "/var/log/nginx/lcp-access.log": str(directory / "access.log"),
        "lcp.example.org": NAME,
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{upstream};",
        "listen 443 ": f"listen 127.0.0.1:{https_port} ",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
    }
    for old, new in replacements.items():
        assert old in text, f"deploy/nginx.conf no longer has {old!r}: update this test with it"
        text = text.replace(old, new)
    text = text.replace("listen 80 ", f"listen 127.0.0.1:{http_port} ")
    # IPv6 listeners are left out: the test listens on loopback only.
    return "\n".join(line for line in text.splitlines() if "listen [::]" not in line)


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    directory = Path(tmp_path_factory.mktemp("nginx"))
    subprocess.run(
        [
            *(OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={NAME}"),
            *("-keyout", str(directory / "key.pem"), "-out", str(directory / "cert.pem")),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    with (
        throwaway_database(directory, "test_nginx") as url,
        running_site(production_environment(url), directory / "gunicorn.log") as app,
    ):
        https_port, http_port = free_port(), free_port()
        (directory / "site.conf").write_text(site_config(directory, https_port, http_port, app.port))
        (directory / "nginx.conf").write_text(
            f"pid {directory / 'nginx.pid'};\nerror_log {directory / 'error.log'};\nevents {{}}\n"
            f"http {{\n  include {directory / 'site.conf'};\n}}\n"
        )
        command = [NGINX, "-p", str(directory), "-c", str(directory / "nginx.conf"), "-e", str(directory / "error.log")]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30, check=False)
        assert checked.returncode == 0, checked.stderr
        subprocess.run(command, check=True, timeout=30)
        try:
            deadline = time.monotonic() + 20
            while True:
                with socket.socket() as probe:
                    if probe.connect_ex(("127.0.0.1", https_port)) == 0:
                        break
                assert time.monotonic() < deadline, (directory / "error.log").read_text()
                time.sleep(0.05)
            yield Proxy(https_port, http_port, app)
        finally:
            subprocess.run([*command, "-s", "stop"], timeout=30, check=False)


def tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the test's own self-signed certificate
    return context


class NamedHttps(http.client.HTTPSConnection):
    """An HTTPS connection to loopback that gives `server_name` in the TLS handshake (SNI)."""

    def __init__(self, port: int, server_name: str) -> None:
        super().__init__("127.0.0.1", port, context=tls_context(), timeout=15)
        self.server_name = server_name

    def connect(self) -> None:
        http.client.HTTPConnection.connect(self)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.server_name)


def fetch(connection: http.client.HTTPConnection, path: str, host: str, **headers: str) -> http.client.HTTPResponse:
    connection.request("GET", path, headers={"Host": host, **headers})
    return connection.getresponse()


def test_the_sites_own_name_is_served_over_https(proxy: Proxy) -> None:
    response = fetch(NamedHttps(proxy.https_port, NAME), "/", NAME)
    assert response.status == 200
    assert "Strict-Transport-Security" in response.headers


@pytest.mark.parametrize("server_name", [NAME, "evil.example"])
def test_another_host_over_https_is_closed_without_an_answer(proxy: Proxy, server_name: str) -> None:
    """With the site's name in the handshake and another in the Host header, nginx closes the connection (444); with
    another name in the handshake too, the handshake itself is refused."""
    with pytest.raises((http.client.RemoteDisconnected, ssl.SSLError, ConnectionResetError)):
        fetch(NamedHttps(proxy.https_port, server_name), "/share", "evil.example")


def test_plain_http_redirects_the_sites_own_name_and_closes_on_any_other(proxy: Proxy) -> None:
    response = fetch(http.client.HTTPConnection("127.0.0.1", proxy.http_port, timeout=15), "/share?x=1", NAME)
    assert response.status == 301
    assert response.headers["Location"] == f"https://{NAME}/share?x=1"
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        fetch(http.client.HTTPConnection("127.0.0.1", proxy.http_port, timeout=15), "/", "evil.example")


def test_a_forged_forwarded_host_is_replaced_before_the_app_reads_it(proxy: Proxy) -> None:
    """nginx sets X-Forwarded-Host to the name it served; the app (which trusts one proxy) sees that name. Sent to
    gunicorn directly, the same forged header is refused, so the 200 through nginx is nginx's doing."""
    forged = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}
    direct = fetch(http.client.HTTPConnection("127.0.0.1", proxy.app.port, timeout=15), "/healthz", NAME, **forged)
    assert direct.status == 400
    assert fetch(NamedHttps(proxy.https_port, NAME), "/healthz", NAME, **forged).status == 200
