"""`flask submissions list|show|route|status|respond` and `flask meetings decide`: staff tools for what people
share, beside the staff area."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import click
from flask import Flask


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "-"


def _indented(text: str) -> str:
    return textwrap.indent(text.strip() or "(empty)", "    ")


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def register(app: Flask) -> None:
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
