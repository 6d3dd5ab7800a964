"""Loading the programme's list of GP practices and their partnerships (citywide admins): upload, preview, apply,
the list of imports and undoing one.

The uploaded file is kept between the preview and applying it in the database (`PracticeUpload`), so any app
host can apply it, under a random token that only this person's session holds; applying removes it, and files
left behind are removed after a day. Applying reads it again and matches it afresh
(`app.commands.practices.apply_import`); nothing a form posts back about the preview is trusted.
"""

from __future__ import annotations

import secrets
from datetime import date

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from app.admin import admin
from app.admin.access import acting, requires
from app.admin.downloads import csv_response
from app.admin.practice_import_forms import PracticeImportApplyForm, PracticeImportForm, UndoImportForm
from app.commands import CommandRefused
from app.commands import practices as practices_commands
from app.commands.practices import apply_import, undo_import
from app.extensions import db
from app.forms import keeps_input, valid_submission
from app.models import PracticeImport
from app.numbers import database_id
from app.services import practice_import
from app.services.practice_import import FileProblem, Preview

SESSION_KEY = "practice_import"


# The uploaded file, kept between preview and apply -------------------------------------------------------------


def _keep(data: bytes, filename: str, agreed_on: date | None) -> str:
    token = practices_commands.keep_upload(acting(), data, filename, agreed_on)
    session[SESSION_KEY] = token
    return token


def _kept(token: str | None) -> tuple[bytes, str, date | None] | None:
    """The file this person uploaded under `token` in this session, its name and the date entered with it; None
    when it is gone (applied, older than a day) or not theirs."""
    held = str(session.get(SESSION_KEY) or "")
    if not token or not held or not secrets.compare_digest(held, token):
        return None
    kept = practices_commands.kept_upload(acting(), token)
    return (kept.data, kept.filename, kept.agreed_on) if kept is not None else None


def _forget(token: str | None) -> None:
    session.pop(SESSION_KEY, None)
    if token:
        practices_commands.discard_upload(acting(), token)


def _filename(upload: FileStorage) -> str:
    """The name the file had on the person's computer, without folders, for the list of imports."""
    name = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    return " ".join(name.split())[:200] or "upload"


# Pages ----------------------------------------------------------------------------------------------------------


@admin.route("/coverage/import", methods=["GET", "POST"], endpoint="practice_import")
@requires("admin")
@keeps_input
def upload() -> ResponseReturnValue:
    form = PracticeImportForm()
    if valid_submission(form):
        upload: FileStorage = form.file.data
        data = upload.read(practice_import.MAX_BYTES + 1)
        filename = _filename(upload)
        try:
            preview = practice_import.read_and_preview(data, filename, form.agreed_on.data)
        except FileProblem as problem:
            form.file.errors = [problem.message]
        else:
            if preview.problems:
                target = form.agreed_on if preview.date_mismatch else form.file
                target.errors = list(preview.problems)
            else:
                token = _keep(data, filename, form.agreed_on.data)
                apply_form = PracticeImportApplyForm(formdata=None, token=token).fill_choices(preview.unknown)
                return _preview_page(preview, apply_form)
    return render_template(
        "admin/practices/import.html", form=form, max_rows=f"{practice_import.MAX_ROWS:,}", columns=_columns()
    )


def _columns() -> list[tuple[str, str]]:
    return [
        (_("ODS code"), _("The practice’s NHS code, such as B86003. Or leave it empty and give the name.")),
        (_("Practice"), _("The practice’s name, used when there is no ODS code.")),
        (_("Partnership"), _("The partnership’s web address name (such as cross-gates), full name or short name.")),
        (_("PCN (optional)"), _("The primary care network. Kept with the import, not shown on the site.")),
        (_("Agreed (optional)"), _("The date the programme agreed the list: the same date on every row.")),
    ]


def _preview_page(preview: Preview, form: PracticeImportApplyForm) -> str:
    return render_template("admin/practices/preview.html", preview=preview, form=form)


@admin.route("/coverage/import/apply", methods=["POST"])
@requires("admin")
def practice_import_apply() -> ResponseReturnValue:
    form = PracticeImportApplyForm()
    kept = _kept(form.token.data)
    if kept is None:
        flash(_("The uploaded file has expired or was applied already. Upload it again."))
        return redirect(url_for("admin.practice_import"))
    data, filename, agreed_on = kept
    try:
        preview = practice_import.read_and_preview(data, filename, agreed_on)
    except FileProblem:
        _forget(form.token.data)
        flash(_("The uploaded file has expired or was applied already. Upload it again."))
        return redirect(url_for("admin.practice_import"))
    form.fill_choices(preview.unknown)
    if not valid_submission(form):
        return _preview_page(preview, form)
    try:
        applied = apply_import(
            acting(), data, filename, agreed_on, list(form.create.data or []), upload_token=form.token.data or ""
        )
    except CommandRefused as refusal:
        form.create.errors = [str(refusal)]
        return _preview_page(preview, form)
    session.pop(SESSION_KEY, None)
    return redirect(url_for("admin.practice_imports", done=applied.record.id))


@admin.route("/coverage/import/template.csv")
@requires("admin")
def practice_import_template() -> ResponseReturnValue:
    header, rows = practice_import.TEMPLATE_HEADER, practice_import.template_rows()
    return csv_response("leeds-practices-and-partnerships.csv", header, rows)


@admin.route("/coverage/imports")
@requires("admin")
def practice_imports() -> ResponseReturnValue:
    imports = practice_import.all_imports()
    figures = {record.id: practice_import.import_figures(record) for record in imports}
    done_id = database_id(request.args.get("done"))
    done = figures.get(done_id) if done_id is not None else None
    return render_template("admin/practices/imports.html", imports=imports, figures=figures, done=done)


@admin.route("/coverage/imports/undo", methods=["GET", "POST"])
@requires("admin")
def practice_import_undo() -> ResponseReturnValue:
    form = UndoImportForm()
    ident = database_id(request.values.get("import_id") or request.args.get("import"))
    record = db.session.get(PracticeImport, ident) if ident is not None else None
    if record is None:
        if request.method == "POST":
            abort(404)
        return redirect(url_for("admin.practice_imports"))
    if record.undone_at is not None:
        flash(_("Import %(number)s has already been undone.", number=record.id))
        return redirect(url_for("admin.practice_imports"))
    if valid_submission(form):
        try:
            undone = undo_import(acting(), record.id)
        except CommandRefused as refusal:
            flash(str(refusal))
            return redirect(url_for("admin.practice_imports"))
        flash(
            _(
                "Import %(number)s has been undone: %(restored)s practices put back, %(left)s left because they "
                "changed since, %(removed)s partnerships removed.",
                number=record.id,
                restored=len(undone.restored),
                left=len(undone.left),
                removed=len(undone.removed_lcps),
            )
        )
        return redirect(url_for("admin.practice_imports"))
    form.import_id.data = str(record.id)
    return render_template(
        "admin/practices/undo.html", form=form, record=record, figures=practice_import.import_figures(record)
    )
