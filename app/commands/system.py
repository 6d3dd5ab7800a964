"""Scheduled and setup work: the retention purges, the digests, telling staff of new items and of items past their
target, telling the citywide admins of urgent items nobody opened, delivering the outbox, and loading the reference
data (`flask seed`) and the demo content (`flask demo`).

Only the command line and scheduled work (`Actor.cli()`, `Actor.system(...)`) may run these. They are batch
jobs, so some commit as they go rather than once at the end, each saying why: the contact purge commits batch by
batch, the digests and the staff emails person by person, and the outbox worker each claim and each message (so a
crash never sends one twice). None of them writes an audit record (none did before); what they change is in the
history of the submissions concerned (`contact-removed`), the digest runs, the staff accounts' watermarks and the
outbox itself.

They work in a plain application context: links in emails are absolute on `SITE_URL` (`app.links`) and text
written outside a request is in British English (`app.languages.select_locale`), so the command line needs no
request.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, update
from sqlalchemy.exc import IntegrityError

from app.clock import in_london, utcnow
from app.commands import Actor, CommandRefused, claim_next, require_trusted
from app.commands import accounts as accounts_commands
from app.commands import people as people_commands
from app.extensions import db
from app.models import Follower, OutboxMessage, StaffUser, Submission
from app.services import (
    demo,
    digest,
    mail,
    outbox,
    people,
    reference_data,
    retention,
    safeguarding,
    staff_mail,
    staff_notify,
)
from app.services.demo_staff import DemoAccount
from app.services.digest import ALREADY_SENT, NOTHING_NEW, QUEUED, DigestReport
from app.services.outbox import Delivery, SmtpSettings
from app.services.reference_data import SeedReport
from app.services.retention import Purged

log = logging.getLogger(__name__)


# Retention --------------------------------------------------------------------------------------------------------


def purge_contacts(actor: Actor, now: datetime | None = None) -> int:
    """Delete the contact details of submissions every partnership closed more than CONTACT_RETENTION_DAYS ago;
    the submissions stay, anonymous, and each gets a staff-only history entry saying why. Returns how many.

    Each batch of `retention.BATCH_SIZE` is its own transaction, so a long first run holds no lock for long and
    what it removed stays removed if it stops; at most `retention.MAX_BATCHES` a run (the next run carries on).
    """
    require_trusted(actor)
    now = now or utcnow()
    days = retention.retention_days()
    cutoff = now - timedelta(days=days)
    note = retention.contact_removed_note(days)
    removed = 0
    after = 0
    for _batch in range(retention.MAX_BATCHES):
        ids = retention.expired_contacts(cutoff, after, retention.BATCH_SIZE)
        if not ids:
            break
        after = ids[-1]
        removed += retention.remove_contacts(ids, cutoff, now, note)
        # One transaction per batch (see above).
        db.session.commit()
        if len(ids) < retention.BATCH_SIZE:
            break
    else:
        log.warning(
            "Stopped after %d batches of contact details; the next run removes the rest.", retention.MAX_BATCHES
        )
    # Each commit expired what the session had loaded, so no object still points at a removed contact.
    return removed


def purge_retention(actor: Actor, now: datetime | None = None) -> Purged:
    """Remove every piece of personal data whose time is up (`flask retention purge`, daily). What stays is
    anonymous: the submissions, their routings and history (so every figure still counts them), the published
    pages. Each kind is committed as it is done, so what one purge removed stays removed if a later one fails."""
    require_trusted(actor)
    contacts = purge_contacts(actor, now)
    unconfirmed = people_commands.purge_unconfirmed(actor, now)
    sent_mail = retention.purge_sent_mail(now)
    db.session.commit()
    staff_sessions = retention.purge_staff_sessions(now)
    db.session.commit()
    audit_addresses = retention.forget_audit_addresses(now)
    db.session.commit()
    return Purged(
        contacts=contacts,
        unconfirmed=unconfirmed,
        mail=sent_mail,
        staff_sessions=staff_sessions,
        audit_addresses=audit_addresses,
    )


# Digests ----------------------------------------------------------------------------------------------------------


def send_digest(actor: Actor, follower: Follower, frequency: str, now: datetime) -> str:
    """Queue one person's digest for the period of `now`, recording the run and its items in the same commit.

    Returns `digest.QUEUED`, `digest.NOTHING_NEW` (no email, nothing recorded) or `digest.ALREADY_SENT`.
    """
    require_trusted(actor)
    if digest.already_sent(follower, digest.period_for(frequency, now)):
        return ALREADY_SENT
    content = digest.collect(follower, frequency, now)
    if not content.items:
        return NOTHING_NEW
    try:
        digest.record_run(follower, content, now)
        mail.send_to_follower(follower, "digest", **content.email_context())
        db.session.commit()
    except IntegrityError:
        # Another run of the command recorded this period (or these items) for this person first: nothing of
        # this attempt is kept.
        db.session.rollback()
        return ALREADY_SENT
    return QUEUED


def send_digests(actor: Actor, frequency: str, now: datetime | None = None) -> DigestReport:
    """Queue this period's digest for everyone who chose `frequency` (`flask digests send`), committing person by
    person so one person's failure never stops everyone else's; a later run retries them (and never sends twice)."""
    require_trusted(actor)
    now = now or utcnow()
    report = DigestReport(frequency=frequency, period=digest.period_for(frequency, now).key)
    for follower_id in digest.due_follower_ids(frequency):
        follower = db.session.get(Follower, follower_id)
        if follower is None:  # deleted since the list was read
            continue
        report.considered += 1
        try:
            result = send_digest(actor, follower, frequency, now)
        except Exception:
            db.session.rollback()
            log.exception("Digest for follower %s (%s) not queued", follower_id, report.period)
            report.failed += 1
            continue
        if result == QUEUED:
            report.queued += 1
        elif result == NOTHING_NEW:
            report.nothing_new += 1
        else:
            report.already_sent += 1
    return report


# Telling staff what needs them ------------------------------------------------------------------------------------


@dataclass
class Told:
    """What one run told one person: their watermark started (a new account), an email of new items, a daily
    summary, the weekly email of items past their target."""

    started: bool = False
    new_items: bool = False
    summary: bool = False
    overdue: bool = False


@dataclass
class NotifyReport:
    """What one run of `flask staff notify` did, over every active account."""

    considered: int = 0
    started: int = 0
    new_items: int = 0
    summaries: int = 0
    overdue: int = 0
    failed: int = 0

    def add(self, told: Told) -> None:
        self.started += told.started
        self.new_items += told.new_items
        self.summaries += told.summary
        self.overdue += told.overdue


def _read_new(user: StaffUser, old: staff_notify.Watermarks, upto: staff_notify.Watermarks) -> staff_notify.Arrivals:
    arrivals = staff_notify.new_routings(user, old.routing, upto.routing)
    return staff_notify.add_unsure(user, arrivals, old.submission, upto.submission)


def _new_items(user: StaffUser, old: staff_notify.Watermarks, upto: staff_notify.Watermarks) -> bool:
    """The "each" email: every item above the watermarks, in one email, claimed by moving both watermarks from
    the values read (one conditional UPDATE): a second run at the same moment finds them moved and sends nothing."""
    arrivals = _read_new(user, old, upto)
    if not arrivals.count:
        return False
    if not staff_notify.claim_new(user.id, old, arrivals.watermarks):
        return False
    staff_mail.send_new_items(user, arrivals)
    return True


def _daily_summary(user: StaffUser, old: staff_notify.Watermarks, upto: staff_notify.Watermarks, now: datetime) -> bool:
    """The daily summary, once a London day: claimed with the watermarks, sent when there is anything to say."""
    today = in_london(now).date()
    arrivals = _read_new(user, old, upto)
    if not staff_notify.claim_new(user.id, old, arrivals.watermarks, day=today):
        return False
    standing = staff_notify.standing(user, today)
    if not (arrivals.count or standing.new or standing.overdue or standing.unrouted):
        return False
    staff_mail.send_daily_summary(user, arrivals, standing, today)
    return True


def _weekly_overdue(user: StaffUser, now: datetime) -> bool:
    """The weekly email of items past their target, once a week: claimed first, sent only when there are any."""
    today = in_london(now).date()
    if not staff_notify.claim_week(user.id, today):
        return False
    groups = staff_notify.overdue(user, today)
    if not groups:
        return False
    staff_mail.send_overdue(user, groups, today)
    return True


def notify_person(actor: Actor, user_id: int, now: datetime, upto: staff_notify.Watermarks) -> Told:
    """Tell one staff member what they chose to hear of, in one transaction: new items (an email for what arrived,
    or the daily summary once their hour has come) and, once a week, the items waiting past their target.

    A new account's watermarks (0) start at `upto`, the highest routing and submission ids when the run began, so
    nobody is sent the whole history. Each email is claimed by a conditional UPDATE of the person's row in the
    transaction that queues it, so a repeated run, or two at once, tells nobody twice."""
    require_trusted(actor)
    user = db.session.get(StaffUser, user_id)
    told = Told()
    if user is None or user.disabled_at is not None:
        return told
    old = staff_notify.watermarks_of(user)
    if 0 in old:
        # (On a site with no item yet there is nothing to start from: the first run after the first item does.)
        start = staff_notify.Watermarks(old.routing or upto.routing, old.submission or upto.submission)
        told.started = start != old and staff_notify.claim_new(user.id, old, start)
    elif user.notify_new == staff_notify.EACH:
        told.new_items = _new_items(user, old, upto)
    elif staff_notify.daily_due(user, now):
        told.summary = _daily_summary(user, old, upto, now)
    if staff_notify.overdue_due(user, now):
        told.overdue = _weekly_overdue(user, now)
    db.session.commit()
    return told


def notify_staff(actor: Actor, now: datetime | None = None) -> NotifyReport:
    """`flask staff notify`, every few minutes: each active staff member told what they chose on their account page,
    committed person by person, so one person's failure never stops everyone else's (the next run tries again)."""
    require_trusted(actor)
    now = now or utcnow()
    upto = staff_notify.highest_ids()
    report = NotifyReport()
    for user_id in staff_notify.active_staff_ids():
        report.considered += 1
        try:
            told = notify_person(actor, user_id, now, upto)
        except Exception:
            db.session.rollback()
            log.exception("Staff email for account %s not queued", user_id)
            report.failed += 1
            continue
        report.add(told)
    return report


# Urgent items nobody opened ---------------------------------------------------------------------------------------


def _claim_urgent(item: Submission, now: datetime) -> bool:
    claim = (
        update(Submission)
        .where(Submission.id == item.id, Submission.urgent_escalated_at.is_(None))
        .values(urgent_escalated_at=now)
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", db.session.execute(claim)).rowcount == 1


def check_urgent(actor: Actor, now: datetime | None = None) -> int:
    """`flask staff urgent-check`, hourly: the urgent items nobody in any partnership has opened within a day of
    being marked (`safeguarding.unopened`), in one email to each citywide admin, each item told of once (its
    `urgent_escalated_at` set in the same commit). Returns how many items were told of (0: nothing sent)."""
    require_trusted(actor)
    now = now or utcnow()
    # Each item claimed by a conditional UPDATE before anyone is told: a second run at the same moment waits for this
    # one's commit, then finds the items already told of and claims none.
    items = [item for item in safeguarding.unopened(now) if _claim_urgent(item, now)]
    if not items:
        db.session.rollback()
        return 0
    for person in safeguarding.admins():
        staff_mail.send_urgent_unopened(person, items)
    db.session.commit()
    return len(items)


# The outbox -------------------------------------------------------------------------------------------------------


def _claim_next(skip: list[int]) -> int | None:
    """Claim the next due message not in `skip`; its id, or None when nothing (more) is due."""
    return claim_next(outbox.next_due, outbox.claim, skip, outbox.CLAIM_RACES)


def deliver_due(actor: Actor, settings: SmtpSettings, limit: int = 100) -> Delivery:
    """Send up to `limit` due messages over one SMTP connection, each tried at most once; returns what happened.

    Commits per message, not once: a message is claimed (committed) before it is sent and marked sent
    (committed) straight after, so a worker that crashes never sends a message twice, and one whose claim
    outlives it (`outbox.CLAIM_FOR`) is tried again with the same Message-ID.
    """
    require_trusted(actor)
    outbox.release_stale_claims()
    db.session.commit()
    sent = retrying = failed = 0
    connection: smtplib.SMTP | None = None
    tried: list[int] = []
    try:
        while len(tried) < limit:
            message_id = _claim_next(tried)
            if message_id is None:
                break
            # A message that fails is due again later, perhaps within this run (a short first retry): once is enough.
            tried.append(message_id)
            message = db.session.get(OutboxMessage, message_id)
            if message is None:
                # Deleted with its person's details between the claim and now: nothing to send.
                continue
            try:
                if connection is None:
                    connection = outbox.connect(settings)
                connection.send_message(outbox.build_email(message, settings.sender))
            except (smtplib.SMTPException, OSError) as error:
                if outbox.record_failure(message, error):
                    failed += 1
                else:
                    retrying += 1
                db.session.commit()
                if not isinstance(error, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError):
                    # The connection itself is in doubt; start a new one for the next message.
                    outbox.close(connection)
                    connection = None
                continue
            outbox.record_sent(message)
            db.session.commit()
            sent += 1
    finally:
        outbox.close(connection)
    return Delivery(sent=sent, retrying=retrying, failed=failed)


@dataclass(frozen=True)
class WorkerRound:
    """One round of the outbox worker: the registrations nobody confirmed it deleted, and what it delivered."""

    unconfirmed: int
    delivery: Delivery


def outbox_round(actor: Actor, settings: SmtpSettings) -> WorkerRound:
    """One round of `flask outbox send`: tidy the registrations nobody confirmed in time (so they go on time
    wherever the worker runs), then deliver what is due."""
    require_trusted(actor)
    unconfirmed = people.purge_unconfirmed()
    db.session.commit()
    return WorkerRound(unconfirmed=unconfirmed, delivery=deliver_due(actor, settings))


# Setting up -------------------------------------------------------------------------------------------------------


def seed(actor: Actor) -> SeedReport:
    """Load the Leeds reference data (`flask seed`): adds only what is missing, so it is safe to run again."""
    require_trusted(actor)
    report = reference_data.seed()
    db.session.commit()
    return report


NOT_IN_PRODUCTION = "demo content is never loaded in production"


def load_demo(actor: Actor, today: date | None = None) -> int:
    """Replace the fictional demo content; returns the number of demo rows made. Refused in production."""
    require_trusted(actor)
    if current_app.config.get("ENV_NAME") == "production":
        raise CommandRefused(NOT_IN_PRODUCTION)
    made = demo.load_demo(today)
    db.session.commit()
    return made


@dataclass(frozen=True)
class DemoLoaded:
    rows: int
    # The demo staff accounts, when DEMO_STAFF is set (development only); empty otherwise.
    accounts: list[DemoAccount]


def demo_site(actor: Actor) -> DemoLoaded:
    """`flask demo`: the demo content, and the demo staff accounts where DEMO_STAFF allows them."""
    rows = load_demo(actor)
    accounts: list[DemoAccount] = []
    if current_app.config.get("DEMO_STAFF"):
        accounts = accounts_commands.load_demo_staff(actor)
    return DemoLoaded(rows=rows, accounts=accounts)
