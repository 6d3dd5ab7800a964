"""Absolute links: every address that leaves the page (emails, feeds, calendars, hreflang) starts with `SITE_URL`.

A request's `Host` header is chosen by whoever sends it. A link built from it (`url_for(..., _external=True)`)
would put a stranger's address, with a person's private token, into an email we send; so nothing here reads
the request's host, and `tests/test_repository.py` fails if code asks `url_for` for an external address.
Production also refuses requests for hosts the site does not serve (`TRUSTED_HOSTS`, see `trusted_hosts`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from flask import Flask, current_app


def site_url() -> str:
    """The site's public address without a trailing slash, e.g. `https://lcp.leeds.example`."""
    return str(current_app.config["SITE_URL"]).rstrip("/")


def site_host() -> str:
    """The host name of the public address, without port: for identifiers such as calendar UIDs."""
    return urlsplit(site_url()).hostname or "localhost"


def absolute_url_for(endpoint: str, **values: Any) -> str:
    """`url_for(endpoint, **values)` as an absolute address on `SITE_URL`, whatever host the request named.

    The language a page is read in is carried as `url_for` carries it (the app's URL defaults); `_anchor`
    adds a fragment. Works inside a request or only an application context (the command line).
    """
    app = current_app
    anchor = values.pop("_anchor", None)
    values.pop("_external", None)
    app.inject_url_defaults(endpoint, values)
    parts = urlsplit(site_url())
    adapter = app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    address = adapter.build(endpoint, values, force_external=True)
    if anchor is not None:
        address += "#" + quote(str(anchor), safe="%!#$&'()*+,/:;=?@")
    return address


def absolute_path(path: str) -> str:
    """A path on this site (`/lcp/armley?lang=pl`) as an absolute address on `SITE_URL`."""
    return site_url() + "/" + path.lstrip("/")


def trusted_hosts(site: str, extra: str) -> list[str]:
    """The host names production answers: `SITE_URL`'s, and any others listed (comma-separated) in `extra`."""
    names = [urlsplit(site).hostname or ""]
    names += [name.strip().lower() for name in extra.split(",") if name.strip()]
    return [name for index, name in enumerate(names) if name and name not in names[:index]]


def register(app: Flask) -> None:
    app.add_template_global(absolute_url_for, "absolute_url_for")
    app.add_template_global(absolute_path, "absolute_path")
