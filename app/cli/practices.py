"""`flask practices import|undo|template`: the programme's list of GP practices and their partnerships.

`import FILE` prints what the file would change (counts, then each line) and applies it unless `--dry-run`;
`undo IMPORT_ID` puts back what an import changed; `template [FILE]` writes a CSV of every open practice to start
from. Applying and undoing are the staff area's own commands (`app/commands/practices.py`), audited as done by
`cli:<login name>`.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import Flask

if TYPE_CHECKING:
    from app.models import Lcp
    from app.services.practice_import import Planned, Preview


def _day(_context: click.Context, _parameter: click.Parameter, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter("write the date as YYYY-MM-DD, such as 2026-12-03") from None


def _slug(lcp: Lcp | None) -> str:
    return lcp.slug if lcp is not None else "(none)"


def _target(planned: Planned) -> str:
    return planned.after.slug if planned.after else f"{planned.create_name} (to be created)"


def print_preview(preview: Preview) -> None:
    """The preview as lines a person reads at a terminal."""
    echo = click.echo
    echo(f"File: {preview.filename} ({preview.row_count} rows)")
    if preview.agreed_on:
        echo(f"Agreed on: {preview.agreed_on.isoformat()} (from the {preview.agreed_from})")
    else:
        echo("Agreed on: not given")
    for problem in preview.problems:
        echo(f"PROBLEM: {problem}")
    echo(preview.summary())
    for planned in preview.new:
        echo(f"  new      {planned.practice.ods_code or '-':8} {planned.practice.name} -> {_target(planned)}")
    for planned in preview.changed:
        practice = planned.practice
        echo(f"  changed  {practice.ods_code or '-':8} {practice.name}: {_slug(planned.before)} -> {_target(planned)}")
    for item in preview.unmatched:
        closest = "; ".join(f"{p.ods_code or '-'} {p.name}" for p in item.candidates) or "none close"
        echo(f"  row {item.row.number}: not matched ({item.row.said or 'empty'}): {item.reason}. Closest: {closest}")
    for unknown in preview.unknown:
        what = "will be created" if unknown in preview.create else "not on the site: add --create " + unknown.key
        echo(f"  partnership {unknown.text!r} ({len(unknown.rows)} rows): {what}")
    if preview.blank:
        numbers = ", ".join(str(row.number) for row in preview.blank)
        echo(f"  rows with no partnership, left as they are: {numbers}")
    for twice in preview.twice:
        rows = ", ".join(str(number) for number in twice.rows)
        if twice.conflicting:
            given = ", ".join(twice.partnerships)
            echo(f"  ERROR rows {rows}: {twice.practice.name} given different partnerships ({given}); left as it is")
        else:
            echo(f"  rows {rows}: {twice.practice.name} given twice (the same partnership)")
    for planned in preview.closed:
        echo(f"  warning row {planned.row}: {planned.practice.name} has closed")
    if preview.left_out:
        echo(f"  {len(preview.left_out)} open practices are not in the file and keep their links (none are unlinked)")


def register(app: Flask) -> None:
    @app.cli.group("practices")
    def practices_group() -> None:
        """The programme's list of GP practices and their partnerships: import, undo, template."""

    @practices_group.command("import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Print what would change and change nothing.")
    @click.option("--agreed-on", callback=_day, help="The date the programme agreed the list, YYYY-MM-DD.")
    @click.option(
        "--create",
        "create",
        multiple=True,
        help="Create this partnership the file names (as the file writes it, or its slug); repeat for several.",
    )
    def import_command(file: Path, dry_run: bool, agreed_on: date | None, create: tuple[str, ...]) -> None:
        """Load the programme's list: match each row, print the preview, then apply it (unless --dry-run)."""
        from app.commands import Actor, CommandRefused
        from app.commands.practices import apply_import
        from app.services.practice_import import FileProblem, read_and_preview

        data = file.read_bytes()
        try:
            preview = read_and_preview(data, file.name, agreed_on, list(create))
        except FileProblem as problem:
            raise click.ClickException(problem.message) from None
        print_preview(preview)
        if dry_run:
            click.echo("Dry run: nothing was changed.")
            return
        try:
            applied = apply_import(Actor.cli(), data, file.name, agreed_on, list(create))
        except CommandRefused as refusal:
            raise click.ClickException(refusal.message) from None
        click.echo(
            f"Import {applied.record.id} applied: {len(applied.preview.new)} new links, "
            f"{len(applied.preview.changed)} changed, {len(applied.created)} partnerships created. "
            f"Undo with: flask practices undo {applied.record.id}"
        )

    @practices_group.command("undo")
    @click.argument("import_id", type=int)
    def undo_command(import_id: int) -> None:
        """Put back what an import changed, except practices changed again since."""
        from werkzeug.exceptions import NotFound

        from app.commands import Actor, CommandRefused
        from app.commands.practices import undo_import

        try:
            undone = undo_import(Actor.cli(), import_id)
        except NotFound:
            raise click.ClickException(f"No import has the number {import_id}.") from None
        except CommandRefused as refusal:
            raise click.ClickException(refusal.message) from None
        click.echo(f"Import {import_id} undone: {len(undone.restored)} practices put back.")
        for change in undone.left:
            click.echo(f"  left as it is (changed since): {change.get('ods') or '-'} {change.get('name')}")
        for slug in undone.removed_lcps:
            click.echo(f"  partnership removed: {slug}")
        for slug in undone.kept_lcps:
            click.echo(f"  partnership kept (something now refers to it): {slug}")

    @practices_group.command("template")
    @click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
    def template_command(file: Path | None) -> None:
        """Write a CSV of every open practice and its partnership (to FILE, or print it)."""
        from app.services.practice_import import template_csv

        text = template_csv()
        if file is None:
            click.echo(text.removeprefix("\ufeff"), nl=False)
        else:
            file.write_text(text, encoding="utf-8", newline="")
            click.echo(f"Wrote {file}")
