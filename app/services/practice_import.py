"""The programme's list of GP practices and their partnerships, read from a CSV or Excel file and matched against
the site's practices and partnerships: what applying it would change, before anything is changed.

- `read_rows` reads a CSV (UTF-8 with or without a byte-order mark, or Windows-1252; commas or semicolons) or an
  XLSX workbook's first sheet, finding the columns by their headings, loosely ("ODS code", "Practice",
  "Partnership" or "LCP", and optionally "PCN" and "Agreed"). Anything else is refused with a `FileProblem`.
- `preview` matches each row: a practice by its ODS code in any case or spacing, else by its name as the finder
  compares names (`geography.same_name` over its name, other names and official name); a partnership by its slug,
  full name, short name or a former slug, compared the same way. It sorts the result into new links, changed
  links, links the site already has, open practices the file leaves out, rows it could not match (with the
  closest names), partnerships the site does not have, practices given twice and closed practices named.
- `template_csv` is a file to start from: every open practice with its current partnership.

Nothing here writes: `app.commands.practices.apply_import` reads the file again, calls `preview` and makes the
changes it lists.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from rapidfuzz import fuzz, process, utils
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import GpPractice, Lcp, LcpRedirect, PracticeImport
from app.services.audit import snapshot
from app.services.geography import normalise, same_name
from app.services.lcp_admin import kebab
from app.services.lcp_content import normalise_ods
from app.services.spreadsheet import FORMULA_STARTS, csv_text

# The largest file read, and the most rows: the city has about a hundred practices, open and closed.
MAX_BYTES = 1_000_000
MAX_ROWS = 2_000
MAX_CELL = 300
# How close (0-100) a practice's name must be to be offered for a row that matched none.
CANDIDATE_SCORE = 60
MAX_CANDIDATES = 3

TEMPLATE_HEADER = ("ODS code", "Practice", "Partnership", "PCN", "Agreed")

# Each column and the headings that name it, as `heading_key` reads them.
COLUMNS: dict[str, tuple[str, ...]] = {
    "ods": ("ods code", "ods", "practice code", "ods practice code", "code", "practice ods code"),
    "practice": ("practice", "practice name", "gp practice", "gp practice name", "name"),
    "partnership": (
        "partnership",
        "lcp",
        "local care partnership",
        "slug",
        "lcp slug",
        "lcp name",
        "partnership name",
        "partnership slug",
        "local care partnership name",
    ),
    "pcn": ("pcn", "pcn name", "primary care network"),
    "agreed": ("agreed", "date agreed", "agreed on", "agreed date", "date"),
}
# "Pudsey LCP", "Pudsey Local Care Partnership" and "Pudsey" name one partnership.
SUFFIX = re.compile(r"\s+(local care partnership|lcp|partnership)$", re.IGNORECASE)
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d")


class FileProblem(Exception):
    """The file cannot be read as the programme's list; `message` says why, in words a form or the command line
    shows."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass
class FileRow:
    """One row of the file as it was written (cells trimmed), with its row number as a spreadsheet shows it."""

    number: int
    ods: str = ""
    practice: str = ""
    partnership: str = ""
    pcn: str = ""
    agreed: str = ""
    agreed_day: date | None = None

    @property
    def said(self) -> str:
        """What the row says of the practice, for a list of rows that did not match."""
        return " – ".join(part for part in (self.ods, self.practice) if part)


# Reading the file -------------------------------------------------------------------------------------------------


def heading_key(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.casefold()).split())


def _columns(header: list[str]) -> dict[str, int]:
    """Which column holds what, from the header row; FileProblem when the needed ones are missing."""
    found: dict[str, int] = {}
    for index, heading in enumerate(header):
        key = heading_key(heading)
        for column, names in COLUMNS.items():
            if key in names and column not in found:
                found[column] = index
    if "partnership" not in found or not ({"ods", "practice"} & set(found)):
        raise FileProblem(
            _(
                "The first row of the file must name its columns: “ODS code” or “Practice”, and “Partnership”. "
                "Download the template to see the layout"
            )
        )
    return found


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = " ".join(str(value).split())[:MAX_CELL]
    # A cell the site's own spreadsheets escaped against formulas ("'=…") reads as written.
    if text.startswith("'") and text[1:].lstrip(" ").startswith(FORMULA_STARTS):
        text = text[1:]
    return text


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise FileProblem(not_a_list_message()) from None


def not_a_list_message() -> str:
    return _("The file must be a spreadsheet saved as CSV or as an Excel workbook (.xlsx)")


def _csv_table(data: bytes) -> list[list[str]]:
    text = _decode(data)
    if "\x00" in text:
        raise FileProblem(not_a_list_message())
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error:
        raise FileProblem(not_a_list_message()) from None


def _xlsx_table(data: bytes) -> list[list[Any]]:
    import openpyxl  # type: ignore[import-untyped]  # no type hints (types-openpyxl is not installed)

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as problem:
        raise FileProblem(_("The file could not be read as an Excel workbook. Save it again as .xlsx or CSV")) from (
            problem
        )
    try:
        sheet = book.worksheets[0]
        table: list[list[Any]] = []
        for row in sheet.iter_rows(values_only=True):
            table.append(list(row))
            if len(table) > MAX_ROWS + 1:
                break
        return table
    finally:
        book.close()


def too_many_rows_message() -> str:
    return _(
        "The file has more than %(rows)s rows. Leeds has about a hundred GP practices: check it is the right file",
        rows=f"{MAX_ROWS:,}",
    )


def read_rows(data: bytes, filename: str = "") -> list[FileRow]:
    """The file's rows under its header, blank rows left out; FileProblem when it cannot be read as the list."""
    if not data:
        raise FileProblem(_("The file is empty"))
    if len(data) > MAX_BYTES:
        raise FileProblem(_("The file must be smaller than %(size)s", size="1 MB"))
    if data.startswith(b"PK\x03\x04"):
        table: list[list[Any]] = _xlsx_table(data)
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(_("This is an older Excel file (.xls). Save it as .xlsx or CSV, then upload it again"))
    elif filename.lower().endswith((".xlsx", ".xls", ".ods", ".pdf", ".docx")):
        raise FileProblem(not_a_list_message())
    else:
        table = list(_csv_table(data))
    cells = [[_cell(value) for value in row] for row in table]
    start = next((index for index, row in enumerate(cells) if any(row)), None)
    if start is None:
        raise FileProblem(_("The file is empty"))
    columns = _columns(cells[start])
    rows: list[FileRow] = []
    for offset, row in enumerate(cells[start + 1 :], start=start + 2):
        if not any(row):
            continue
        values = {column: (row[index] if index < len(row) else "") for column, index in columns.items()}
        rows.append(
            FileRow(
                offset,
                ods=values.get("ods", ""),
                practice=values.get("practice", ""),
                partnership=values.get("partnership", ""),
                pcn=values.get("pcn", ""),
                agreed=values.get("agreed", ""),
            )
        )
        if len(rows) > MAX_ROWS:
            raise FileProblem(too_many_rows_message())
    if not rows:
        raise FileProblem(_("The file has a header row but no practices under it"))
    return rows


def read_day(text: str) -> date | None:
    """A date as a spreadsheet or a person writes it (2026-12-03, 03/12/2026, 3 December 2026); None if not one."""
    text = text.strip()
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    # A spreadsheet's date with a time of day: "2026-12-03 00:00:00".
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        return None


# Matching ---------------------------------------------------------------------------------------------------------


def partnership_key(text: str) -> str:
    """One key for every way the file may name a partnership: "Cross Gates LCP", "cross-gates", "Cross Gates"."""
    return kebab(SUFFIX.sub("", normalise(text)))


def practice_names(practice: GpPractice) -> list[str]:
    """The names a file may use for a practice: the finder's (its name and other names) and the official one."""
    names = [practice.name, *practice.alias_list]
    if practice.official_name:
        names.append(practice.official_name)
    return names


@dataclass
class Planned:
    """A practice the file names with a partnership: its link now, and the one the file gives (an `Lcp`, or the key
    of a partnership the import is to create)."""

    practice: GpPractice
    row: int
    before: Lcp | None
    after: Lcp | None = None
    create_key: str = ""
    pcn: str = ""
    # The name the partnership to be created will have.
    create_name: str = ""

    @property
    def after_name(self) -> str:
        return self.after.name if self.after is not None else ""


@dataclass
class Unmatched:
    """A row whose practice the site could not find, with the closest names it holds."""

    row: FileRow
    reason: str
    candidates: list[GpPractice] = field(default_factory=list)


@dataclass
class UnknownPartnership:
    """A partnership the file names that the site does not have: the rows naming it, and what creating it makes."""

    key: str
    text: str
    rows: list[int] = field(default_factory=list)

    @property
    def short_name(self) -> str:
        return SUFFIX.sub("", " ".join(self.text.split())).strip() or self.text

    @property
    def shown_short_name(self) -> str:
        """The short name to create it with: as written, or "Pudsey" for a slug such as "pudsey"."""
        short = self.short_name
        return short.replace("-", " ").title() if SLUG_LIKE.match(short) else short

    @property
    def name(self) -> str:
        return f"{self.shown_short_name} Local Care Partnership"


# A partnership written as a slug: "pudsey", "outer-north-west".
SLUG_LIKE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass
class Twice:
    """A practice named in more than one row: an error when the rows give different partnerships."""

    practice: GpPractice
    rows: list[int]
    partnerships: list[str]

    @property
    def conflicting(self) -> bool:
        return len({partnership_key(text) for text in self.partnerships}) > 1


@dataclass
class Preview:
    """What applying the file would do, nothing changed yet."""

    filename: str
    row_count: int
    agreed_on: date | None = None
    # "file", "form" or "" (no date).
    agreed_from: str = ""
    # What stops the file being applied at all (dates that disagree); each a sentence.
    problems: list[str] = field(default_factory=list)
    # The file's agreed date and the one entered in the form disagree (a problem about the form's date).
    date_mismatch: bool = False
    new: list[Planned] = field(default_factory=list)
    changed: list[Planned] = field(default_factory=list)
    unchanged: list[Planned] = field(default_factory=list)
    left_out: list[GpPractice] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    unknown: list[UnknownPartnership] = field(default_factory=list)
    # Rows that name no partnership (a template not filled in yet): they change nothing.
    blank: list[FileRow] = field(default_factory=list)
    # Rows naming an unknown partnership the caller did not ask to create, for a practice the site knows.
    waiting: list[Planned] = field(default_factory=list)
    twice: list[Twice] = field(default_factory=list)
    closed: list[Planned] = field(default_factory=list)
    # Partnerships to create with the import (the caller's choice among `unknown`).
    create: list[UnknownPartnership] = field(default_factory=list)

    @property
    def conflicts(self) -> list[Twice]:
        return [item for item in self.twice if item.conflicting]

    @property
    def duplicates(self) -> list[Twice]:
        return [item for item in self.twice if not item.conflicting]

    @property
    def changes(self) -> list[Planned]:
        return self.new + self.changed

    @property
    def can_apply(self) -> bool:
        return not self.problems and bool(self.changes)

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.row_count,
            "new": len(self.new),
            "changed": len(self.changed),
            "unchanged": len(self.unchanged),
            "left_out": len(self.left_out),
            "unmatched": len(self.unmatched),
            "unknown_partnerships": len(self.unknown),
            "waiting": len(self.waiting),
            "no_partnership": len(self.blank),
            "conflicts": len(self.conflicts),
            "duplicates": len(self.duplicates),
            "closed": len(self.closed),
            "created_partnerships": len(self.create),
        }

    def summary(self) -> str:
        """The counts in one English line, for the audit log and the command line."""
        return (
            f"{self.row_count} rows: {len(self.new)} new links, {len(self.changed)} changed, "
            f"{len(self.unchanged)} already so, {len(self.unmatched)} rows not matched, "
            f"{len(self.blank)} rows with no partnership, "
            f"{len(self.unknown)} partnerships not on the site ({len(self.create)} created), "
            f"{len(self.conflicts)} practices given two partnerships, {len(self.left_out)} open practices left out"
        )


@dataclass
class _Known:
    """The practices and partnerships the rows are matched against, loaded once."""

    practices: list[GpPractice]
    by_ods: dict[str, GpPractice]
    lcps: dict[str, Lcp]

    @classmethod
    def load(cls) -> _Known:
        practices = list(
            db.session.scalars(select(GpPractice).options(selectinload(GpPractice.lcp)).order_by(GpPractice.name))
        )
        by_ods = {normalise_ods(practice.ods_code): practice for practice in practices if practice.ods_code}
        lcps: dict[str, Lcp] = {}
        all_lcps = list(db.session.scalars(select(Lcp).order_by(Lcp.id)))
        by_id = {lcp.id: lcp for lcp in all_lcps}
        for old_slug, lcp_id in db.session.execute(select(LcpRedirect.old_slug, LcpRedirect.lcp_id)):
            if lcp_id in by_id:
                lcps.setdefault(partnership_key(old_slug), by_id[lcp_id])
        # A partnership's own names win over another's former slug.
        for lcp in all_lcps:
            for text in (lcp.short_name, lcp.name, lcp.slug):
                key = partnership_key(text)
                if key:
                    lcps[key] = lcp
        return cls(practices, by_ods, lcps)

    def practice_for(self, row: FileRow) -> tuple[GpPractice | None, str]:
        """The practice a row names, or None and why not."""
        if row.ods:
            found = self.by_ods.get(normalise_ods(row.ods))
            if found is not None:
                return found, ""
        if row.practice:
            named = [p for p in self.practices if any(same_name(row.practice, name) for name in practice_names(p))]
            if len(named) > 1:
                named = [p for p in named if p.is_open] or named
            if len(named) == 1:
                return named[0], ""
            if named:
                return None, _("More than one practice has this name: give its ODS code")
        if row.ods:
            return None, _("No Leeds practice has the ODS code %(code)s", code=normalise_ods(row.ods))
        if row.practice:
            return None, _("No Leeds practice has this name")
        return None, _("The row gives neither an ODS code nor a practice name")

    def candidates(self, row: FileRow) -> list[GpPractice]:
        """Up to three practices whose name is closest to what the row says (or whose ODS code is)."""
        choices: dict[str, list[GpPractice]] = defaultdict(list)
        for practice in self.practices:
            for name in practice_names(practice):
                choices[normalise(name)].append(practice)
        found: list[GpPractice] = []
        if row.practice:
            matches = process.extract(
                normalise(row.practice),
                list(choices),
                scorer=fuzz.ratio,
                processor=utils.default_process,
                score_cutoff=CANDIDATE_SCORE,
                limit=MAX_CANDIDATES * 3,
            )
            found += [practice for name, _score, _index in matches for practice in choices[name]]
        if row.ods:
            codes = process.extract(
                normalise_ods(row.ods), list(self.by_ods), scorer=fuzz.ratio, score_cutoff=80, limit=MAX_CANDIDATES
            )
            found += [self.by_ods[code] for code, _score, _index in codes]
        return list(dict.fromkeys(found))[:MAX_CANDIDATES]


def _agreed(rows: list[FileRow], form_day: date | None, preview: Preview) -> None:
    """One agreed date for the list: the file's (every row that gives one gives the same) or the form's."""
    days: dict[date, list[int]] = defaultdict(list)
    for row in rows:
        if not row.agreed:
            continue
        day = read_day(row.agreed)
        if day is None:
            preview.problems.append(
                _(
                    "Row %(row)s: “%(text)s” is not a date. Write it as 3/12/2026 or 2026-12-03",
                    row=row.number,
                    text=row.agreed,
                )
            )
            continue
        row.agreed_day = day
        days[day].append(row.number)
    if len(days) > 1:
        written = ", ".join(f"{day:%d/%m/%Y}" for day in sorted(days))
        preview.problems.append(
            _(
                "The file gives different agreed dates (%(dates)s). Give one date for the whole list, or leave the "
                "column empty and enter the date in the form",
                dates=written,
            )
        )
        return
    file_day = next(iter(days), None)
    if file_day is not None and form_day is not None and file_day != form_day:
        preview.problems.append(
            _(
                "The file says the list was agreed on %(file)s but the date entered is %(form)s. Leave the date "
                "empty to use the file’s, or correct one of them",
                file=f"{file_day:%d/%m/%Y}",
                form=f"{form_day:%d/%m/%Y}",
            )
        )
        preview.date_mismatch = True
        return
    if file_day is not None:
        preview.agreed_on, preview.agreed_from = file_day, "file"
    elif form_day is not None:
        preview.agreed_on, preview.agreed_from = form_day, "form"


def preview(
    rows: list[FileRow], filename: str = "", agreed_on: date | None = None, create: list[str] | None = None
) -> Preview:
    """What applying these rows would change. `create` names unknown partnerships (by `partnership_key`, or as the
    file writes them) to create: their rows then count as new or changed links."""
    result = Preview(filename=filename, row_count=len(rows))
    _agreed(rows, agreed_on, result)
    known = _Known.load()
    wanted = {partnership_key(text) for text in create or []}
    unknown: dict[str, UnknownPartnership] = {}
    chosen: dict[int, list[tuple[FileRow, Lcp | None, str]]] = defaultdict(list)
    for row in rows:
        key = partnership_key(row.partnership)
        if not key:
            result.blank.append(row)
            continue
        practice, reason = known.practice_for(row)
        lcp = known.lcps.get(key)
        if lcp is None:
            unknown.setdefault(key, UnknownPartnership(key, row.partnership)).rows.append(row.number)
        if practice is None:
            result.unmatched.append(Unmatched(row, reason, known.candidates(row)))
            continue
        chosen[practice.id].append((row, lcp, key))
    result.unknown = sorted(unknown.values(), key=lambda item: item.text.casefold())
    result.create = [item for item in result.unknown if item.key in wanted]
    by_id = {practice.id: practice for practice in known.practices}
    for practice_id, given in chosen.items():
        practice = by_id[practice_id]
        if len(given) > 1:
            twice = Twice(practice, [row.number for row, _lcp, _key in given], [row.partnership for row, *_ in given])
            result.twice.append(twice)
            if twice.conflicting:
                continue
        row, lcp, key = given[0]
        planned = Planned(practice, row.number, practice.lcp, lcp, "" if lcp else key, row.pcn)
        if lcp is None and key not in wanted:
            result.waiting.append(planned)
            continue
        if lcp is None:
            planned.create_name = unknown[key].name
        if not practice.is_open:
            result.closed.append(planned)
        if lcp is not None and practice.lcp_id == lcp.id:
            result.unchanged.append(planned)
        elif practice.lcp is None:
            result.new.append(planned)
        else:
            result.changed.append(planned)
    named = set(chosen)
    result.left_out = [p for p in known.practices if p.is_open and p.ods_code and p.id not in named]
    for group in (result.new, result.changed, result.unchanged, result.waiting, result.closed):
        group.sort(key=lambda planned: planned.practice.name.casefold())
    result.twice.sort(key=lambda item: item.rows[0])
    return result


def read_and_preview(
    data: bytes, filename: str = "", agreed_on: date | None = None, create: list[str] | None = None
) -> Preview:
    """`read_rows` then `preview`: FileProblem when the file cannot be read."""
    return preview(read_rows(data, filename), filename, agreed_on, create)


# Words for people -------------------------------------------------------------------------------------------------


def source_text(agreed_on: date | None, loaded_on: date) -> str:
    """Where an imported link comes from, for staff (English, as staff write sources)."""
    if agreed_on is not None:
        return f"The programme's list agreed on {agreed_on.day} {agreed_on:%B %Y}"
    return f"The programme's list, loaded on {loaded_on.day} {loaded_on:%B %Y}"


# Undoing ----------------------------------------------------------------------------------------------------------

# The link fields an import sets and an undo puts back.
STATE_FIELDS = (
    "lcp_id",
    "lcp_source",
    "lcp_note",
    "lcp_confirmed_by",
    "lcp_import_id",
    "lcp_linked_at",
    "lcp_linked_by_id",
)


def link_state(practice: GpPractice) -> dict[str, Any]:
    """A practice's link as plain JSON values, with the partnership's slug for people reading it."""
    state: dict[str, Any] = snapshot(practice, STATE_FIELDS)
    state["lcp_slug"] = practice.lcp.slug if practice.lcp is not None else None
    return state


def still_as_imported(practice: GpPractice, state: dict[str, Any]) -> bool:
    """Whether the practice's link is exactly as the import left it (`state`, its `after`): nobody changed it since."""
    now = snapshot(practice, STATE_FIELDS)
    return all(now[name] == state.get(name) for name in STATE_FIELDS)


def import_changes(record: PracticeImport) -> list[dict[str, Any]]:
    """What an import changed: a "practice" entry (before and after) per practice, a "partnership" one per
    partnership it created."""
    changes: list[dict[str, Any]] = json.loads(record.changes or "[]")
    return changes


@dataclass
class ImportFigures:
    """An import's changes counted, and, while it is not undone, which practices changed again since."""

    record: PracticeImport
    new: int = 0
    changed: int = 0
    created: list[str] = field(default_factory=list)
    changed_since: list[dict[str, Any]] = field(default_factory=list)

    @property
    def practices(self) -> int:
        return self.new + self.changed


def import_figures(record: PracticeImport) -> ImportFigures:
    figures = ImportFigures(record)
    changes = import_changes(record)
    practices = {
        practice.id: practice
        for practice in db.session.scalars(
            select(GpPractice).where(
                GpPractice.id.in_([c["practice_id"] for c in changes if c.get("kind") == "practice"])
            )
        )
    }
    for change in changes:
        if change.get("kind") == "partnership":
            figures.created.append(change["name"])
            continue
        if change["before"].get("lcp_id") is None:
            figures.new += 1
        else:
            figures.changed += 1
        practice = practices.get(change["practice_id"])
        if record.undone_at is None and (practice is None or not still_as_imported(practice, change["after"])):
            figures.changed_since.append(change)
    return figures


def all_imports() -> list[PracticeImport]:
    return list(
        db.session.scalars(select(PracticeImport).order_by(PracticeImport.made_at.desc(), PracticeImport.id.desc()))
    )


# The template -----------------------------------------------------------------------------------------------------


def template_rows() -> list[tuple[str, str, str, str, str]]:
    """Every open practice with its ODS code, name and current partnership's slug, to fill in and upload."""
    practices = db.session.scalars(
        select(GpPractice).options(selectinload(GpPractice.lcp)).where(GpPractice.is_open).order_by(GpPractice.name)
    )
    return [(p.ods_code or "", p.name, p.lcp.slug if p.lcp else "", "", "") for p in practices]


def template_csv() -> str:
    """The template as the text of a CSV file (with a byte-order mark, so spreadsheets read it as UTF-8)."""
    return csv_text(TEMPLATE_HEADER, template_rows())
