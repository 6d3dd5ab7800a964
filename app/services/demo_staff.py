"""Two demo staff accounts for development, so a newcomer can sign in to the staff area at once.

`flask demo` makes a citywide admin and an LCP worker (for Armley) with a known password and prints
how to sign in, TOTP key included. They exist only where `DEMO_STAFF` is on: never in production,
where `flask demo` refuses to run at all. Their TOTP keys are kept between runs, so an authenticator
app set up once keeps working. The command `commands.accounts.load_demo_staff` makes them; this module holds
what they are and how to sign in as them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import Lcp
from app.services import auth

DEMO_PASSWORD = "demo staff password, not secret"  # noqa: S105 - development accounts only
DEMO_ACCOUNTS = (
    ("demo-admin@example.org", "Demo citywide admin", "admin", ()),
    ("demo-worker@example.org", "Demo LCP worker", "staff", ("armley",)),
)


@dataclass
class DemoAccount:
    email: str
    role: str
    lcps: list[str]
    secret: str
    code_now: str


def ensure_account(email: str, name: str, role: str, slugs: tuple[str, ...]) -> DemoAccount:
    """Makes a demo account if it is missing (enrolled, so the printed key works) and lets it sign in: enabled and
    unlocked. The caller commits (`commands.accounts.load_demo_staff`)."""
    lcps = list(db.session.scalars(select(Lcp).where(Lcp.slug.in_(slugs)).order_by(Lcp.name)))
    user = auth.find_staff(email)
    if user is None:
        user = auth.create_staff(email, name, role, DEMO_PASSWORD, lcps)
        user.totp_enrolled_at = utcnow()
    auth.unlock(user)
    user.disabled_at = None
    return DemoAccount(email, role, [lcp.name for lcp in user.lcps], user.totp_secret or "", auth.totp(user).now())


def sign_in_instructions(accounts: list[DemoAccount], site_url: str) -> str:
    lines = [
        "",
        f"Staff area (development only): {site_url}/admin/login",
        f"Password for both demo accounts: {DEMO_PASSWORD}",
    ]
    for account in accounts:
        scope = ", ".join(account.lcps) or "every partnership"
        lines += [
            f"  {account.email} ({account.role}; {scope})",
            f"    TOTP key for your authenticator app: {account.secret}",
            f"    code at this moment (it changes every 30 seconds): {account.code_now}",
        ]
    lines.append("Each code works once. Add the key to an authenticator app to sign in again later.")
    return "\n".join(lines)
