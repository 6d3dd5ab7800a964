"""Static files: built with content-hashed names (scripts/build-assets.mjs) and served by WhiteNoise.

Templates name an asset by its plain name, `asset_url("main.css")`, and get the hashed file listed in
`dist/manifest.json`. WhiteNoise serves everything under /static/: a hashed file with a year's caching
marked immutable (its name changes when it does), anything else for a day; the Brotli or gzip copy the build
made when the browser takes it. Static responses carry the site's security headers too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from wsgiref.headers import Headers

from flask import Flask, url_for
from whitenoise import WhiteNoise

MANIFEST = Path("dist") / "manifest.json"
# A build's hashed name: `main.8a232d05440f.css`.
HASHED = re.compile(r"\.[0-9a-f]{12}\.[a-z]+$")
ONE_DAY = 24 * 3600


class AssetsNotBuilt(RuntimeError):
    pass


def read_manifest(static_folder: str) -> dict[str, str]:
    path = Path(static_folder) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AssetsNotBuilt(f"{path} is missing: build the assets with `npm run build` (or `make setup`)") from None


def setup(app: Flask, headers: Callable[[], dict[str, str]]) -> None:
    static_folder, static_url_path = app.static_folder, app.static_url_path
    if static_folder is None or static_url_path is None:
        raise AssetsNotBuilt("The app has no static folder to serve the assets from")
    manifest = read_manifest(static_folder)

    def asset_url(name: str) -> str:
        return url_for("static", filename=manifest[name])

    app.add_template_global(asset_url, "asset_url")

    def add_headers(header_list: Headers, path: str, url: str) -> None:
        for name, value in headers().items():
            header_list.setdefault(name, value)

    # Wrapping `wsgi_app` is how Flask adds WSGI middleware; mypy sees a method being replaced.
    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]
        app.wsgi_app,
        root=static_folder,
        prefix=static_url_path.strip("/") + "/",
        max_age=ONE_DAY,
        immutable_file_test=lambda path, url: bool(HASHED.search(url)),
        add_headers_function=add_headers,
        autorefresh=app.debug,
    )
