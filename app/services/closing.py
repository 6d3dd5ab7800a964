"""Closing reasons in plain words: a short set staff choose from when they close an item, which the person reads in
their own language on their tracking page and in the status email.

The English sentence is what is stored (`Routing.status_reason`), so a reason staff wrote themselves and a plain one
sit in the same column; `shown_reason` translates a stored sentence when it is one of these, and leaves what staff
wrote as they wrote it. Public words: each sentence is in the catalogue (`N_`) and translated where it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext

from app.services.casework import DUPLICATE_REASON

# The value of the choice "Write my own reason": the text box's words are the reason.
OWN = "own"


def N_(words: str) -> str:
    """Marks words for the catalogue (Babel looks for this name); `shown_reason` translates them where shown."""
    return words


@dataclass(frozen=True)
class PlainReason:
    key: str
    english: str


# In the order staff are offered them. The duplicate sentence is the one marking a duplicate closes with.
REASONS = (
    PlainReason("done", N_("The partnership has done what it can about this.")),
    PlainReason(
        "elsewhere", N_("This is for another organisation, not the partnership, so we have passed it to them.")
    ),
    PlainReason(
        "own-care",
        N_(
            "This is about one person’s own care, which the partnership cannot look into. Please contact the service "
            "directly, or use the NHS complaints process."
        ),
    ),
    PlainReason(
        "more-detail",
        N_(
            "We could not act on this without more detail, and we had no way to ask you. You are welcome to send it "
            "again with more detail."
        ),
    ),
    PlainReason(
        "rules",
        N_("We closed this because it broke the rules for using this site, for example because it was abusive."),
    ),
    PlainReason("duplicate", DUPLICATE_REASON),
)
# casework's constant is not a literal call, so Babel would not find it there.
N_("The same as another report, which we are handling")

BY_KEY = {reason.key: reason for reason in REASONS}
BY_ENGLISH = {reason.english: reason for reason in REASONS}


def sentence(key: str | None) -> str:
    """The English sentence of a plain reason's key; "" for "Write my own reason" or anything else."""
    found = BY_KEY.get(key or "")
    return found.english if found else ""


def key_of(text: str | None) -> str:
    """The key of a stored reason that is a plain one; `OWN` for what staff wrote themselves (or nothing)."""
    found = BY_ENGLISH.get(text or "")
    return found.key if found else OWN


def is_plain(text: str | None) -> bool:
    return (text or "") in BY_ENGLISH


def shown_reason(text: str) -> str:
    """A stored reason as the person reads it: a plain reason in the current language, what staff wrote unchanged."""
    return gettext(text) if text in BY_ENGLISH else text
