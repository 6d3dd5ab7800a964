"""Which language a page is in, how a person chooses it, and how the choice travels.

The language is decided, in order, by:

1. `?lang=` in the address: what the switcher's links carry, and what every link on a page in another
   language carries too (`carry_language` adds it to each `url_for`), so a page's address always says
   its language and a shared link opens in the language it was shared in;
2. the `lang` cookie, set when someone chooses a language, so a later visit starts in it;
3. the browser's `Accept-Language`, on a first visit;
4. British English.

A response whose language came from the address depends on nothing else. One whose language came from
the cookie or the browser says so with `Vary: Cookie, Accept-Language`, so a cache never hands one
person's language to another. The cookie holds only a language code; it is not personal data and is
sent to nothing but this site.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, current_app, g, request
from flask_babel import get_locale

COOKIE = "lang"
COOKIE_DAYS = 365

# Each language's own name for itself, as the switcher shows it.
NAMES = {
    "en_GB": "English",
    "pl": "Polski",
    "ar": "العربية",
    "ro": "Română",
    "zh_Hans": "简体中文",
    "ur": "اردو",
}


def html_lang(code: str) -> str:
    """The BCP 47 tag for a catalogue code: en_GB → en-GB, zh_Hans → zh-Hans."""
    return code.replace("_", "-")


def offered() -> list[str]:
    return list(current_app.config["LANGUAGES"])


def _from_address() -> str | None:
    chosen = request.args.get(COOKIE)
    return chosen if chosen in offered() else None


def select_locale() -> str:
    languages = offered()
    chosen = _from_address()
    if chosen:
        g.language_source = "address"
        return chosen
    g.language_source = "browser"
    remembered = request.cookies.get(COOKIE)
    if remembered in languages:
        return remembered
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def current() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def carry_language(endpoint: str, values: dict[str, Any]) -> None:
    """Every link built on a page in another language keeps that language; static files need none."""
    if endpoint == "static" or COOKIE in values or not request:
        return
    code = current()
    if code != current_app.config["BABEL_DEFAULT_LOCALE"] and code in offered():
        values[COOKIE] = code


def address_in(code: str | None) -> str:
    """This page's address, with its query, in another language; with no code, in the reader's own choice."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != COOKIE]
    if code:
        args.append((COOKIE, code))
    return f"{request.path}?{urlencode(args)}" if args else request.path


def switcher() -> list[dict[str, Any]]:
    here = current()
    return [
        {
            "code": code,
            "tag": html_lang(code),
            "name": NAMES.get(code, code),
            "href": address_in(code),
            "current": code == here,
        }
        for code in offered()
    ]


def remember_choice(response: Response) -> Response:
    """Keep a chosen language for the next visit, and keep caches from mixing languages."""
    chosen = _from_address() if request else None
    if chosen:
        if request.cookies.get(COOKIE) != chosen:
            response.set_cookie(
                COOKIE,
                chosen,
                max_age=COOKIE_DAYS * 86400,
                samesite="Lax",
                secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
                httponly=True,
            )
    elif g.get("language_source") == "browser":
        response.vary.add("Cookie")
        response.vary.add("Accept-Language")
    return response


def register(app: Flask) -> None:
    app.url_defaults(carry_language)
    app.after_request(remember_choice)

    @app.context_processor
    def languages() -> dict[str, Any]:
        code = current()
        return {
            "html_lang": html_lang(code),
            "html_dir": "rtl" if code.split("_")[0] in app.config["RTL_LANGUAGES"] else "ltr",
            "language_switcher": switcher,
            "address_in": address_in,
            "translated_page": code != app.config["BABEL_DEFAULT_LOCALE"],
        }
