"""Who may do what in the staff area: the permission decorators and the one scoped lookup.

Every admin view carries exactly one of `@requires("view")` (any signed-in staff member, viewers
included), `@requires("edit")` (admins and LCP staff), `@requires("admin")` (citywide admins) or
`@signed_out_allowed` (the sign-in steps). `tests/test_admin_access.py` walks `app.url_map` and fails
if a route has none.

A person's LCPs bound what they see: `lcp_or_404` and `scoped_or_404` answer 404, exactly as for an
id that does not exist, for anything belonging to an LCP outside them, so nothing about another
partnership's content leaks, not even that it exists.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urlsplit

from flask import abort, make_response, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy import select

from app.commands import Actor, accounts
from app.extensions import db, login
from app.models import Lcp, StaffUser

PERMISSIONS: dict[str, tuple[str, ...]] = {
    "view": ("admin", "staff", "viewer"),
    "edit": ("admin", "staff"),
    "admin": ("admin",),
}
SESSION_KEY = "staff_token"

F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M")


def requires(permission: str) -> Callable[[F], F]:
    if permission not in PERMISSIONS:
        raise ValueError(permission)

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return to_sign_in()
            if current_user.role not in PERMISSIONS[permission]:
                abort(403)
            return view(*args, **kwargs)

        guarded.permission = permission  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def signed_out_allowed(view: F) -> F:
    """Marks a sign-in step: reachable without a session, and listed as such in the permission test."""
    view.permission = "anyone"  # type: ignore[attr-defined]
    return view


def me() -> StaffUser:
    return current_user._get_current_object()


def acting() -> Actor:
    """The signed-in staff member as the command layer's actor, with the address the request came from."""
    return Actor.staff(me(), request.remote_addr or "")


def can_edit_lcp(lcp_id: int | None) -> bool:
    user = me()
    return user.can_edit and user.sees(lcp_id)


def lcp_or_404(slug: str, edit: bool = False) -> Lcp:
    """An LCP the signed-in person may see (or, with `edit`, change); 404 for any other, as for none."""
    lcp = db.session.scalar(select(Lcp).where(Lcp.slug == slug))
    if lcp is None or not me().sees(lcp.id):
        abort(404)
    if edit and not me().can_edit:
        abort(403)
    return lcp


def scoped_or_404(model: type[M], ident: int, lcp_of: Callable[[M], int | None] | None = None, edit: bool = False) -> M:
    """A row by id, if it belongs to one of the person's LCPs; 404 otherwise, as for an id that does not exist."""
    row = db.session.get(model, ident)
    if row is None:
        abort(404)
    lcp_id = lcp_of(row) if lcp_of else row.lcp_id  # type: ignore[attr-defined]
    if not me().sees(lcp_id):
        abort(404)
    if edit and not me().can_edit:
        abort(403)
    return row


def visible_lcps() -> list[Lcp]:
    user = me()
    if user.is_admin:
        return list(db.session.scalars(select(Lcp).order_by(Lcp.name)))
    return list(user.lcps)


def to_sign_in():
    """The answer to a request without a live session: the sign-in page, then back to the page the person was on.

    For htmx (an inline change, say) that page is the one in the browser's address bar, `HX-Current-URL`, and
    the answer is an `HX-Redirect` that htmx follows with the whole window rather than pasting the sign-in
    page into a table row. For a form posted without htmx it is the page the form was on (`Referer`), since
    the address the form posts to answers only POST. Anything else goes back to where it asked for.
    """
    if request.headers.get("HX-Request") == "true":
        response = make_response("", 200)
        response.headers["HX-Redirect"] = sign_in_url(path_of(request.headers.get("HX-Current-URL")))
        response.vary.add("HX-Request")
        return response
    if request.method in ("GET", "HEAD"):
        here = quote(request.path) + ("?" + request.query_string.decode("latin-1") if request.query_string else "")
        return redirect(sign_in_url(here))
    return redirect(sign_in_url(path_of(request.headers.get("Referer"))))


def sign_in_url(target: str | None) -> str:
    """The sign-in page, with `next` only for a clean address inside the staff area."""
    back = clean_staff_path(target)
    return url_for("admin.login", next=back) if back else url_for("admin.login")


def path_of(url: str | None) -> str | None:
    """The path and query of an address (a header's), without its scheme, host or fragment."""
    # urlsplit would quietly drop tabs and line breaks; an address holding any control character is refused whole.
    if not url or len(url) > LONGEST_NEXT or any(unicodedata.category(char)[0] == "C" for char in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return parts.path + ("?" + parts.query if parts.query else "")


# A path in the staff area, and then perhaps a query: nothing but the characters an address may hold
# unencoded (RFC 3986), no fragment, at most a couple of thousand characters.
STAFF_PATH = re.compile(r"/admin(?:/[A-Za-z0-9\-._~!$&'()*+,;=:@%]*)*(?:\?[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*)?")
LONGEST_NEXT = 2000


def _unquoted(text: str) -> str:
    """Percent-decoded until nothing changes (three rounds at most), so twice-encoded characters show too."""
    for _round in range(3):
        decoded = unquote(text)
        if decoded == text:
            break
        text = decoded
    return text


def clean_staff_path(target: str | None) -> str | None:
    """`target` if it is a clean path inside /admin; None for anything else.

    Refused: other sites (`//host`, `https://…`), paths outside /admin (`/administrator` too), backslashes,
    control characters (CR, LF, tab, NUL, C1, bidirectional marks), `.` and `..` segments and empty ones,
    whether typed or percent-encoded, once or twice.
    """
    if not isinstance(target, str) or len(target) > LONGEST_NEXT or not STAFF_PATH.fullmatch(target):
        return None
    path, _mark, query = target.partition("?")
    decoded_path, decoded_query = _unquoted(path), _unquoted(query)
    if any(char == "\\" or unicodedata.category(char)[0] == "C" for char in decoded_path + decoded_query):
        return None
    segments = decoded_path.split("/")[1:]
    if segments[0] != "admin" or any(segment in (".", "..") for segment in segments):
        return None
    if "" in segments[1:-1]:
        return None
    return target


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a clean path inside the staff area, or else the dashboard; never another site."""
    return clean_staff_path(target) or url_for("admin.dashboard")


@login.request_loader
def load_staff(_request: Any) -> StaffUser | None:
    """The signed-in staff member for this request, from the session's token; None when it has expired."""
    check = accounts.resume_session(session.get(SESSION_KEY))
    if check.user is None and SESSION_KEY in session:
        session.pop(SESSION_KEY, None)
        session["staff_ended"] = check.reason
    return check.user


def init_login(app: Any) -> None:
    """Binds Flask-Login without its hooks: its "remember me" check after every request and its context
    processor would read the session on public pages too (adding `Vary: Cookie`), and public pages never
    read cookies. `current_user` reaches only staff templates (see app/admin/__init__.py)."""
    app.login_manager = login
    login.login_view = "admin.login"
    # Sessions are rows checked on every request (see accounts.resume_session); Flask-Login's own cookie
    # protection and "remember me" are not used.
    login.session_protection = None
