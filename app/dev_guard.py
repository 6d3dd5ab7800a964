"""A site signing with the public development key answers only this machine.

`SECRET_KEY` defaults to `dev-only-not-secret` (app/config.py), which anyone can read. With it, anyone who
reaches the site can make session cookies the site trusts: flash messages, CSRF tokens, the language, and
whatever a future change keeps in the session. So while the app runs with that key (or none), a request from
any address but loopback is refused with a 403 that says why, before anything else looks at it. Production
already refuses to start without a real key; `make run HOST=0.0.0.0` refuses too (Makefile).

"From loopback" means the connection and every address a proxy says it forwarded for (`X-Forwarded-For`,
`X-Real-IP`, `Forwarded`): a local proxy or tunnel in front of the development server does not make a
stranger local.
"""

from __future__ import annotations

import ipaddress
import re

from flask import Flask, Response, request

# The default in app/config.py; tests/test_dev_guard.py checks they agree.
DEVELOPMENT_KEY = "dev-only-not-secret"

REFUSAL = (
    "403 Forbidden: this development site answers only the machine it runs on.\n\n"
    "It signs sessions with the public development SECRET_KEY, so anyone who could reach it from elsewhere "
    "could forge its cookies.\nTo serve other machines, set SECRET_KEY to a long random value of your own, e.g.\n"
    "  SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex())') make run HOST=0.0.0.0\n"
)
FORWARDED_FOR = re.compile(r'for\s*=\s*"?([^";,]*)', re.IGNORECASE)


def uses_public_key(app: Flask) -> bool:
    return app.config.get("SECRET_KEY") in (DEVELOPMENT_KEY, "", None)


def is_loopback(address: str | None) -> bool:
    """127.0.0.0/8, ::1 or ::ffff:127.x.x.x, with or without a port or brackets; anything else is not."""
    text = (address or "").strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        parsed = ipaddress.ip_address(text)
    except ValueError:
        return False
    mapped = getattr(parsed, "ipv4_mapped", None)
    return parsed.is_loopback or bool(mapped and mapped.is_loopback)


def client_addresses() -> list[str | None]:
    """The connection's address and every address a proxy named for this request."""
    addresses: list[str | None] = [request.remote_addr]
    environ = request.environ
    # ProxyFix moves the original values aside; the address it chose is `remote_addr` already.
    original = environ.get("werkzeug.proxy_fix.orig", {})
    addresses.append(original.get("REMOTE_ADDR") if original else None)
    for name in ("X-Forwarded-For", "X-Real-IP"):
        for value in request.headers.getlist(name):
            addresses += [part.strip() for part in value.split(",")]
    for value in request.headers.getlist("Forwarded"):
        addresses += FORWARDED_FOR.findall(value)
    return [address for address in addresses if address is not None]


def refuse_remote_requests(app: Flask) -> None:
    """With the public key, the first thing every request meets is this check (see the module's docstring)."""
    if not uses_public_key(app):
        return

    def only_this_machine() -> Response | None:
        if all(is_loopback(address) for address in client_addresses()):
            return None
        response = Response(REFUSAL, status=403, mimetype="text/plain")
        response.headers["Cache-Control"] = "no-store"
        return response

    app.before_request_funcs.setdefault(None, []).insert(0, only_this_machine)
