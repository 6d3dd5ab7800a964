"""Which language a page is in, how a person chooses it, and how the choice travels.

The language is decided, in order, by:

1. `?lang=` in the address: what the switcher's links carry, and what every link on a page in another
   language carries too (`carry_language` adds it to each `url_for`), so a page's address always says
   its language and a shared link opens in the language it was shared in;
2. on a person's own pages (reached by a signed link: confirming, preferences, unsubscribing), the
   language they chose for their emails (`prefer`);
3. the `lang` cookie, set when someone chooses a language, so a later visit starts in it;
4. the browser's `Accept-Language`, on a first visit;
5. British English.

The staff area is always in British English (`in_staff_area`).

A response whose language came from the address depends on nothing else. One whose language came from
the cookie or the browser says so with `Vary: Cookie, Accept-Language`, so a cache never hands one
person's language to another. The cookie holds only a language code; it is not personal data and is
sent to nothing but this site.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, current_app, g, request
from flask_babel import get_locale, get_translations, refresh
from markupsafe import Markup

COOKIE = "lang"
COOKIE_DAYS = 365
# Where `prefer` keeps a person's stored language for the rest of the request.
STORED = "lcp.stored_language"

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


def in_staff_area() -> bool:
    """The staff area is in English: its own words are not translated, and a page mixing languages would
    have screen readers speak English words with another language's voice."""
    return bool(request) and request.blueprint == "admin"


def select_locale() -> str:
    languages = offered()
    if not request:
        # No request (the command line, scheduled work): British English, unless a `force_locale` block (an
        # email in its reader's language) chose otherwise, in which case Flask-Babel never asks.
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if in_staff_area():
        g.language_source = "staff"
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = _from_address()
    if chosen:
        g.language_source = "address"
        return chosen
    stored = request.environ.get(STORED)
    if stored in languages:
        g.language_source = "person"
        return stored
    g.language_source = "browser"
    remembered = request.cookies.get(COOKIE)
    if remembered in languages:
        return remembered
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def prefer(code: str | None) -> None:
    """The page is about one person who chose a language for their emails: use it, unless the address
    names another (someone who switched language on the page keeps their choice)."""
    if code in offered() and not _from_address():
        request.environ[STORED] = code
        refresh()


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


# Each language's catalogue as Flask-Babel loaded it, by locale: a page translates hundreds of strings, and
# Flask-Babel works out the context, domain and language again for every one of them.
_catalogues: dict[Any, Any] = {}


def catalogue():
    """The catalogue for the language this request (or a `force_locale` block) is in.

    The language is read where Flask-Babel keeps it once decided; until then (the first string of a
    request, or after `refresh`), Flask-Babel decides it as usual.
    """
    decided = getattr(g.get("_flask_babel"), "babel_locale", None)
    if decided is None:
        return get_translations()
    found = _catalogues.get(decided)
    if found is None:
        found = _catalogues[decided] = get_translations()
    return found


def install_cheap_gettext(app: Flask) -> None:
    """Templates translate through `catalogue()`, replacing the callables Flask-Babel installed."""
    # Added to the environment by Jinja's i18n extension, which Flask-Babel enables.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda string: catalogue().ugettext(string),
        ngettext=lambda singular, plural, number: catalogue().ungettext(singular, plural, number),
        newstyle=True,
        pgettext=lambda context, string: catalogue().upgettext(context, string),
        npgettext=lambda context, singular, plural, number: catalogue().unpgettext(context, singular, plural, number),
    )


def register(app: Flask) -> None:
    # Each request decides its language afresh, even when it shares an application context with the one
    # before (as requests made inside a test's app context do), where Flask-Babel keeps its choice.
    app.before_request_funcs.setdefault(None, []).insert(0, refresh)
    app.url_defaults(carry_language)
    app.after_request(remember_choice)
    # What staff wrote, in the reader's language when they translated it (app.services.translations).
    from app.services import translations

    app.add_template_global(lambda lcp: translations.summary_shown(lcp, request.environ), "summary_shown")
    app.add_template_global(translations.update_shown, "update_shown")
    # A closing reason: a plain one (app.services.closing) in the reader's language, one staff wrote as written.
    from app.services import closing

    app.add_template_global(closing.shown_reason, "shown_reason")

    @app.context_processor
    def languages() -> dict[str, Any]:
        code = current()
        return {
            "html_lang": html_lang(code),
            "html_dir": "rtl" if code.split("_")[0] in app.config["RTL_LANGUAGES"] else "ltr",
            "language_switcher": switcher,
            "address_in": address_in,
            "translated_page": code != app.config["BABEL_DEFAULT_LOCALE"],
            "page_language": code,
            # On an element holding what staff or the reference data wrote in English, on a page in another
            # language, so that screen readers read it with an English voice.
            "in_english": Markup(' lang="en-GB" dir="ltr"') if code != app.config["BABEL_DEFAULT_LOCALE"] else "",
            "translatable": not in_staff_area(),
        }
