"""Flask commands: `seed`, `demo`, `translate`, for email `outbox send`, `digests send` and `people purge`, and
the staff tools for what people share: `submissions list|show|route|status|respond`, `submissions purge-contacts`
and `meetings decide`, and staff accounts: `staff create|list|disable|enable|lock|unlock|reset-2fa`.

`submissions route|status|respond` and `meetings decide` are thin adapters over the command layer
(`app.commands`), the same commands the staff area calls: the same rules, and the same audit records, naming
the operator as `cli:<login name>`. They need only the application context, not a request."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import click
from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


def register(app: Flask) -> None:
    @app.cli.command("seed")
    def seed_command() -> None:
        """Load the Leeds reference data; safe to run again."""
        from app.services.reference_data import seed

        click.echo(str(seed()))

    @app.cli.command("demo")
    def demo_command() -> None:
        """Replace the fictional demo content (never for production)."""
        if app.config.get("ENV_NAME") == "production":
            raise click.ClickException("demo content is never loaded in production")
        from app.services.demo import load_demo

        click.echo(f"{load_demo()} demo rows made")
        if app.config.get("DEMO_STAFF"):
            from app.services.demo_staff import load_demo_staff, sign_in_instructions

            click.echo(sign_in_instructions(load_demo_staff(), app.config["SITE_URL"]))

    @app.cli.group("translate")
    def translate() -> None:
        """Translation catalogues: extract, update, compile, init."""

    @translate.command("extract")
    def extract() -> None:
        """Write translations/messages.pot from the code and templates."""
        _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "--no-location", "--sort-output", "-o", str(POT), ".")

    @translate.command("update")
    def update() -> None:
        """Extract, then merge new strings into every catalogue."""
        extract.callback()
        _pybabel("update", "-i", str(POT), "-d", str(TRANSLATIONS), "--no-fuzzy-matching")

    @translate.command("compile")
    def compile_catalogues() -> None:
        """Compile every catalogue to .mo files."""
        _pybabel("compile", "-d", str(TRANSLATIONS), "--use-fuzzy")

    @translate.command("init")
    @click.argument("language")
    def init(language: str) -> None:
        """Start a catalogue for a new language."""
        _pybabel("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", language)

    register_mail_commands(app)
    register_submission_commands(app)
    register_staff_commands(app)


def register_mail_commands(app: Flask) -> None:
    @app.cli.group("outbox")
    def outbox_group() -> None:
        """The email outbox: deliver what is queued."""

    @outbox_group.command("send")
    @click.option("--loop", is_flag=True, help="Keep running as a worker, checking every --interval seconds.")
    @click.option("--interval", default=5.0, show_default=True, help="Seconds between checks with --loop.")
    def outbox_send(loop: bool, interval: float) -> None:
        """Deliver queued email over SMTP, retrying with back-off; without SMTP_HOST, print what waits."""
        from app.services import outbox
        from app.services.people import purge_unconfirmed

        settings = outbox.SmtpSettings.from_config(app.config)
        if settings is None:
            waiting = [message for message in outbox.recent(1000) if message.status == "queued"]
            for message in reversed(waiting):
                click.echo(f"To: {message.to_address}\nSubject: {message.subject}\n\n{message.text_body}\n{'-' * 72}")
            raise click.ClickException(
                f"No SMTP server is configured (set SMTP_HOST): {len(waiting)} messages wait in the outbox, "
                "printed above and shown at /dev/outbox in development. Nothing was sent or dropped."
            )
        while True:
            purged = purge_unconfirmed()
            result = outbox.deliver_due(settings)
            if result.sent or result.retrying or result.failed or purged or not loop:
                click.echo(
                    f"sent {result.sent}, to retry {result.retrying}, given up {result.failed}; "
                    f"unconfirmed registrations deleted {purged}"
                )
            if result.failed:
                click.echo(
                    f"ERROR: gave up on {result.failed} messages after {app.config['OUTBOX_MAX_ATTEMPTS']} attempts; "
                    "their last error is in outbox_message.last_error",
                    err=True,
                )
                if not loop:
                    raise SystemExit(1)
            if not loop:
                return
            time.sleep(interval)

    @app.cli.group("people")
    def people_group() -> None:
        """People who registered interest."""

    @people_group.command("purge")
    def people_purge() -> None:
        """Delete registrations nobody confirmed in time."""
        from app.services.people import purge_unconfirmed

        click.echo(f"{purge_unconfirmed()} unconfirmed registrations deleted")

    @app.cli.group("digests")
    def digests_group() -> None:
        """Digest emails: what is new in the LCPs and topics each person follows."""

    @digests_group.command("send")
    @click.option(
        "--frequency",
        type=click.Choice(["weekly", "monthly"]),
        required=True,
        help="Send to the people who chose this frequency.",
    )
    def digests_send(frequency: str) -> None:
        """Queue this period's digest for everyone who chose FREQUENCY; safe to run again in the same period.

        It only puts the emails in the outbox; the outbox worker (`flask outbox send`) delivers them.
        """
        from app.services.digest import send_digests

        # Links in the emails are absolute, so they need the site's public address outside a request.
        with app.test_request_context(base_url=app.config["SITE_URL"]):
            report = send_digests(frequency)
        click.echo(
            f"{frequency} digests for {report.period}: {report.considered} people considered, "
            f"{report.queued} emails queued, {report.nothing_new} with nothing new, "
            f"{report.already_sent} already sent this period, {report.failed} failed"
        )
        if report.queued:
            click.echo("The outbox worker delivers them: flask --app wsgi outbox send")
        if report.failed:
            click.echo(
                f"ERROR: {report.failed} digests were not queued; see the log. Run again to retry them.", err=True
            )
            raise SystemExit(1)


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "-"


def _indented(text: str) -> str:
    return textwrap.indent(text.strip() or "(empty)", "    ")


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def register_submission_commands(app: Flask) -> None:
    """Staff tools for what people share, beside the staff area. Only `show` prints anything personal. The changes
    (route, status, respond, decide) call the same commands as the staff pages (`app.commands`)."""
    from sqlalchemy import and_, select
    from sqlalchemy.orm import selectinload

    from app.commands import Actor, CommandRefused
    from app.commands import casework as casework_commands
    from app.commands import meetings as meetings_commands
    from app.extensions import db
    from app.links import absolute_url_for
    from app.models import AgendaItem, Lcp, Routing, Submission
    from app.models.submissions import STATUSES
    from app.services import sharing

    def site():
        """The purges translate the history entries they write, which needs a request for the language."""
        return app.test_request_context(base_url=app.config["SITE_URL"])

    @contextmanager
    def refusals() -> Iterator[None]:
        """A command's refusal, printed as the command line's error (exit status 1)."""
        try:
            yield
        except CommandRefused as refusal:
            raise click.ClickException(str(refusal)) from None

    def find_submission(code: str) -> Submission:
        submission = sharing.find_by_code(code)
        if submission is None:
            raise click.ClickException(f"No submission has the receipt code {code!r}.")
        return submission

    def find_lcp(slug: str) -> Lcp:
        lcp = db.session.scalar(select(Lcp).where(Lcp.slug == slug))
        if lcp is None:
            known = ", ".join(db.session.scalars(select(Lcp.slug).order_by(Lcp.slug)))
            raise click.ClickException(f"No partnership has the slug {slug!r}. Known slugs: {known}.")
        return lcp

    def find_routing(submission: Submission, lcp: Lcp) -> Routing:
        routing = next((routing for routing in submission.routings if routing.lcp_id == lcp.id), None)
        if routing is None:
            routed = ", ".join(routing.lcp.slug for routing in submission.routings) or "no partnership yet"
            raise click.ClickException(
                f"{sharing.format_code(submission.receipt_code)} was not sent to {lcp.slug}; it went to: {routed}."
            )
        return routing

    def check_status(status: str) -> str:
        if status not in STATUSES:
            raise click.ClickException(f"Unknown status {status!r}. Choose one of: {', '.join(STATUSES)}.")
        return status

    def routed_to(submission: Submission) -> str:
        if not submission.routings:
            return "no partnership yet (the person was not sure)" if submission.lcp_unsure else "no partnership yet"
        return ", ".join(f"{routing.lcp.slug}: {routing.status}" for routing in submission.routings)

    @app.cli.group("submissions")
    def submissions_group() -> None:
        """What people shared with the partnerships: list, read, change a status, publish a reply, purge old contacts.

        The same actions as the staff area at /admin/inbox, from the command line. Only `show` prints personal details.
        """

    @submissions_group.command("list")
    @click.option("--lcp", "lcp_slug", metavar="SLUG", help="Only what was sent to this partnership.")
    @click.option("--status", metavar="STATUS", help=f"Only what has this status ({', '.join(STATUSES)}).")
    @click.option("--limit", default=100, show_default=True, help="Show at most this many, newest first.")
    def submissions_list(lcp_slug: str | None, status: str | None, limit: int) -> None:
        """List submissions, newest first: receipt code, date, partnerships with their status, and source.

        Nothing personal is shown; `flask submissions show CODE` reads one.
        """
        wanted = []
        if status is not None:
            wanted.append(Routing.status == check_status(status))
        if lcp_slug is not None:
            wanted.append(Routing.lcp_id == find_lcp(lcp_slug).id)
        query = (
            select(Submission)
            .options(selectinload(Submission.routings).selectinload(Routing.lcp))
            .order_by(Submission.created_at.desc(), Submission.id.desc())
            .limit(limit)
        )
        if wanted:
            query = query.where(Submission.routings.any(and_(*wanted)))
        submissions = list(db.session.scalars(query))
        for submission in submissions:
            notes = [submission.source]
            if any(routing.has_new_follow_up for routing in submission.routings):
                notes.append("new follow-up")
            if submission.is_demo:
                notes.append("example")
            click.echo(
                f"{sharing.format_code(submission.receipt_code)}  {_when(submission.created_at)}  "
                f"{routed_to(submission)}  [{', '.join(notes)}]"
            )
        click.echo(f"{len(submissions)} submissions" if submissions else "No submissions match.")

    @submissions_group.command("show")
    @click.argument("code")
    def submissions_show(code: str) -> None:
        """Everything about one submission: what was said, where it went, its history, and contact details if left."""
        submission = find_submission(code)
        lines = [
            f"Receipt code: {sharing.format_code(submission.receipt_code)}",
            f"Sent: {_when(submission.created_at)}",
            f"Source: {submission.source}",
            f"Language: {submission.language}",
        ]
        if submission.is_demo:
            lines.append("Example content: yes (made up by flask demo)")
        lines.append("Partnerships:")
        for routing in submission.routings:
            flag = " (new follow-up)" if routing.has_new_follow_up else ""
            reason = f": {routing.status_reason}" if routing.status_reason else ""
            lines.append(f"    {routing.lcp.slug}: {routing.status}{reason}{flag}")
        if not submission.routings:
            lines.append(f"    {routed_to(submission)}")
        lines.append(f"Topics: {', '.join(topic.label for topic in submission.topics) or '-'}")
        lines.append(f"Neighbourhood: {submission.neighbourhood or '-'}")
        lines.append(f"Ages: {', '.join(submission.age_group_list) or '-'}")
        lines.append(f"Groups: {', '.join(submission.group_list) or '-'}")
        if submission.speaks_for == "organisation":
            people = f", for about {submission.people_count} people" if submission.people_count else ""
            lines.append(f"Speaking for: an organisation, {submission.organisation_name or '(no name)'}{people}")
        else:
            lines.append("Speaking for: themselves")
        if submission.agenda_item:
            item = submission.agenda_item
            meeting = f"{item.meeting.lcp.slug}, {_when(item.meeting.starts_at)}"
            lines.append(f"Agenda item: {item.id}, {item.title} ({meeting})")
        lines.append(f"May quote their words: {_yes(submission.may_publish_words)}")
        lines += ["What they said:", _indented(submission.body)]
        lines.append("History:")
        for event in submission.events:
            about = f" {event.routing.lcp.slug}" if event.routing else ""
            status = f" -> {event.status}" if event.kind == "status" else ""
            lines.append(f"    {_when(event.created_at)}  {event.kind}{about}{status} (by {event.actor})")
            if event.body:
                lines.append(textwrap.indent(event.body.strip(), "        "))
        if submission.responses:
            lines.append("Published replies:")
            for response in submission.responses:
                lines.append(
                    f"    {response.id}, {response.lcp.slug}, {_when(response.published_at)}, "
                    f"quotes their words: {_yes(bool(response.quote))}"
                )
                lines.append(f"        You said: {response.you_said}")
                lines.append(f"        We did: {response.we_did}")
        contact = submission.contact
        if contact is None:
            lines.append("Contact: none; it was sent anonymously.")
        else:
            lines += [
                "Contact (personal data, left by the person; use it only as they chose):",
                f"    Name: {contact.name or '-'}",
                f"    Email: {contact.email}",
                f"    Staff may email them about it: {_yes(contact.may_contact)}",
                f"    Staff may pass their words and email to partners: {_yes(contact.may_share)}",
                f"    Wants emails about changes and replies: {_yes(contact.wants_updates)}",
                f"    Wording of the choices they saw: {contact.wording_version or '-'}",
            ]
        click.echo("\n".join(lines))

    @submissions_group.command("route")
    @click.argument("code")
    @click.option("--lcp", "lcp_slug", required=True, metavar="SLUG", help="The partnership that should handle it.")
    def submissions_route(code: str, lcp_slug: str) -> None:
        """Pass a submission to a partnership: one whose sender was not sure, or one it also concerns.

        Audited as the staff area's "share with another partnership" is, naming you as cli:<login name>.
        """
        submission = find_submission(code)
        routed = casework_commands.route(Actor.cli(), submission, find_lcp(lcp_slug))
        click.echo(
            f"{sharing.format_code(submission.receipt_code)} "
            + (f"was already with {lcp_slug}." if routed.already else f"is now with {lcp_slug}: received.")
        )

    @submissions_group.command(
        "status",
        help=f"Set one partnership's STATUS ({', '.join(STATUSES)}) for a submission; closing needs --reason. The "
        "person is emailed if they asked for updates. Audited as a change in the staff area is.",
    )
    @click.argument("code")
    @click.option("--lcp", "lcp_slug", required=True, metavar="SLUG", help="The partnership whose status changes.")
    @click.argument("status")
    @click.option("--reason", default="", help="Why, in words the person reads on their tracking page.")
    def submissions_status(code: str, lcp_slug: str, status: str, reason: str) -> None:
        check_status(status)
        submission = find_submission(code)
        routing = find_routing(submission, find_lcp(lcp_slug))
        with refusals():
            changed = casework_commands.change_status(Actor.cli(), routing, status, reason)
        code = sharing.format_code(submission.receipt_code)
        if not changed:
            click.echo(f"{code} for {lcp_slug} was already {status}: nothing changed.")
            return
        click.echo(f"{code} for {lcp_slug}: {status} ({sharing.status_wording(routing)})")
        if submission.contact and submission.contact.wants_updates:
            click.echo("The person asked for updates: an email is queued for the outbox worker.")

    @submissions_group.command("respond")
    @click.argument("code")
    @click.option("--lcp", "lcp_slug", required=True, metavar="SLUG", help="The partnership that replies.")
    @click.option("--you-said", required=True, help="What the person told you, in your words, with nothing personal.")
    @click.option("--we-did", required=True, help="What the partnership did about it.")
    @click.option("--quote", is_flag=True, help="Also show the person's own words; only if they agreed.")
    def submissions_respond(code: str, lcp_slug: str, you_said: str, we_did: str, quote: bool) -> None:
        """Publish a "you said, we did" reply on the partnership's page and news feed; audited as in the staff area."""
        if not you_said.strip() or not we_did.strip():
            raise click.ClickException("Both --you-said and --we-did need some words.")
        submission = find_submission(code)
        routing = find_routing(submission, find_lcp(lcp_slug))
        try:
            response = casework_commands.respond(Actor.cli(), routing, you_said, we_did, quote_words=quote)
        except CommandRefused as refusal:
            extra = " Publish it without --quote." if refusal.message == casework_commands.NO_QUOTE else ""
            raise click.ClickException(f"{refusal}{extra}") from None
        page = absolute_url_for("public.lcp_page", slug=lcp_slug, _anchor=f"response-{response.id}")
        click.echo(f"Published reply {response.id}: {page}")
        if submission.contact and submission.contact.wants_updates:
            click.echo("The person asked for updates: an email is queued for the outbox worker.")

    @submissions_group.command("purge-contacts")
    def submissions_purge_contacts() -> None:
        """Delete the contact details of submissions every partnership closed more than CONTACT_RETENTION_DAYS ago.

        The submissions stay, anonymous; mail still waiting for those people goes too. Safe to run again.
        """
        from app.services.retention import purge_contacts, retention_days

        # The history entry it writes is translated, which needs a request for the language.
        with site():
            removed = purge_contacts()
        submissions = "1 submission" if removed == 1 else f"{removed} submissions"
        click.echo(
            f"Contact details removed from {submissions} that every partnership closed more than "
            f"{retention_days()} days ago (CONTACT_RETENTION_DAYS)."
        )

    @app.cli.group("retention")
    def retention_group() -> None:
        """Personal data kept no longer than the privacy notice says."""

    @retention_group.command("purge")
    def retention_purge() -> None:
        """Remove all personal data whose retention period is over (run it daily). Safe to run again.

        Contact details of closed submissions (CONTACT_RETENTION_DAYS), registrations nobody confirmed
        (CONFIRMATION_HOURS), copies of sent email (MAIL_RETENTION_DAYS), records of staff sign-ins
        (STAFF_SESSION_RETENTION_DAYS) and the network addresses in the audit log (AUDIT_ADDRESS_DAYS).
        What stays is anonymous, so every count and figure is kept.
        """
        from app.services.retention import purge_all

        with site():
            purged = purge_all()
        config = app.config
        click.echo(
            f"Contact details removed from {purged.contacts} closed submissions "
            f"(CONTACT_RETENTION_DAYS={config['CONTACT_RETENTION_DAYS']})\n"
            f"Unconfirmed registrations deleted: {purged.unconfirmed} "
            f"(CONFIRMATION_HOURS={config['CONFIRMATION_HOURS']})\n"
            f"Copies of sent email deleted: {purged.mail} (MAIL_RETENTION_DAYS={config['MAIL_RETENTION_DAYS']})\n"
            f"Staff sign-in records deleted: {purged.staff_sessions} "
            f"(STAFF_SESSION_RETENTION_DAYS={config['STAFF_SESSION_RETENTION_DAYS']})\n"
            f"Audit log addresses blanked: {purged.audit_addresses} (AUDIT_ADDRESS_DAYS={config['AUDIT_ADDRESS_DAYS']})"
        )

    @app.cli.group("meetings")
    def meetings_group() -> None:
        """Partnership meetings: record what was decided on their agenda items."""

    @meetings_group.command("decide")
    @click.argument("item_id", type=int)
    @click.argument("text")
    def meetings_decide(item_id: int, text: str) -> None:
        """Record what was decided on agenda item ITEM_ID and email everyone who commented on it and left an address.

        Only once its meeting has started, as in the staff area, and audited as there.
        """
        if not text.strip():
            raise click.ClickException("Write what was decided.")
        item = db.session.get(AgendaItem, item_id)
        if item is None:
            raise click.ClickException(f"No agenda item has the id {item_id}.")
        meeting = item.meeting
        try:
            decided = meetings_commands.record_decision(Actor.cli(), item, text)
        except CommandRefused as refusal:
            raise click.ClickException(f"Item {item_id}: {refusal}") from None
        people = "1 person" if decided.told == 1 else f"{decided.told} people"
        click.echo(
            f"Decision recorded on item {item_id}, {item.title} ({meeting.lcp.slug}, {_when(meeting.starts_at)})"
            + (", replacing the one before" if decided.replaced else "")
            + f". {people} told by email."
        )


def register_staff_commands(app: Flask) -> None:
    """Staff accounts from the command line: the first citywide admin, and a way back in when nobody can sign in.

    Each change is audited as done from the "command line". Services that translate their messages run
    inside a request context, as they do on the site.
    """
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Lcp, StaffUser
    from app.models.staff import ROLES
    from app.services import auth, staff_admin

    who = {"actor_label": "command line"}
    status_words = {
        "active": "active",
        "locked": "locked",
        "throttled": "waiting after wrong attempts",
        "disabled": "disabled",
        "not-enrolled": "authenticator not set up",
    }

    def find(email: str) -> StaffUser:
        user = auth.find_staff(email)
        if user is None:
            raise click.ClickException(f"No staff account has the email address {email!r}.")
        return user

    def lcps_for(slugs: tuple[str, ...]) -> list[Lcp]:
        lcps = staff_admin.lcps_by_slug(list(slugs))
        unknown = sorted(set(slugs) - {lcp.slug for lcp in lcps})
        if unknown:
            known = ", ".join(db.session.scalars(select(Lcp.slug).order_by(Lcp.slug)))
            raise click.ClickException(f"No partnership has the slug {', '.join(unknown)}. Known slugs: {known}.")
        return lcps

    def read_password(from_stdin: bool) -> str:
        if from_stdin:
            return sys.stdin.readline().rstrip("\r\n")
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)

    @app.cli.group("staff")
    def staff_group() -> None:
        """Staff accounts: create, list, disable, enable, lock, unlock, reset the authenticator."""

    @staff_group.command("create")
    @click.argument("email")
    @click.option("--name", required=True, help="The person's full name.")
    @click.option("--role", type=click.Choice(ROLES), default="staff", show_default=True)
    @click.option("--lcp", "lcp_slugs", multiple=True, help="A partnership's slug; repeat for several.")
    @click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
    def staff_create(email: str, name: str, role: str, lcp_slugs: tuple[str, ...], password_stdin: bool) -> None:
        """Make an account. The person sets up their authenticator app the first time they sign in."""
        with app.test_request_context():
            lcps = lcps_for(lcp_slugs)
            if role != "admin" and not lcps:
                raise click.ClickException("LCP staff and viewers need at least one partnership: add --lcp SLUG.")
            try:
                user, _password = staff_admin.create_account(
                    email, name, role, lcps, read_password(password_stdin), **who
                )
            except ValueError as problem:
                db.session.rollback()
                raise click.ClickException(str(problem)) from None
            db.session.commit()
            click.echo(
                f"Account made for {user.email} ({role}). They set up their authenticator app the first time "
                "they sign in at /admin/login."
            )

    def change(email: str, action, done: str) -> None:
        with app.test_request_context():
            user = find(email)
            action(user, **who)
            db.session.commit()
            click.echo(f"{user.email}: {done}.")

    @staff_group.command("reset-2fa")
    @click.argument("email")
    def staff_reset_2fa(email: str) -> None:
        """Clear a lost authenticator and its recovery codes; the person sets one up again at next sign-in."""
        change(
            email,
            staff_admin.reset_second_factor,
            "authenticator reset, signed out everywhere; set it up again at next sign-in",
        )

    @staff_group.command("disable")
    @click.argument("email")
    def staff_disable(email: str) -> None:
        """Stop an account signing in, and sign it out everywhere."""
        change(email, staff_admin.disable, "disabled and signed out everywhere")

    @staff_group.command("enable")
    @click.argument("email")
    def staff_enable(email: str) -> None:
        """Let a disabled account sign in again."""
        change(email, staff_admin.enable, "enabled")

    @staff_group.command("lock")
    @click.argument("email")
    def staff_lock(email: str) -> None:
        """Lock an account someone else may be using: signed out everywhere, no sign-in until it is unlocked."""
        change(email, staff_admin.lock, "locked and signed out everywhere; `flask staff unlock` lets it sign in again")

    @staff_group.command("unlock")
    @click.argument("email")
    def staff_unlock(email: str) -> None:
        """Unlock an account an admin locked, and end any wait after wrong attempts."""
        change(email, staff_admin.unlock, "unlocked")

    @staff_group.command("list")
    def staff_list() -> None:
        """Every account: email, name, role, partnerships, status."""
        for user in staff_admin.all_staff():
            scope = "all" if user.is_admin else ", ".join(lcp.slug for lcp in user.lcps) or "none"
            status = status_words[staff_admin.status(user)]
            click.echo(f"{user.email}\t{user.name}\t{user.role}\t{scope}\t{status}")
