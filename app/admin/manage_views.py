"""What citywide admins manage: staff accounts and their scope, topics, partnerships themselves, and the audit log."""

from __future__ import annotations

from flask import render_template

from app.admin import admin
from app.admin.access import requires


@admin.route("/staff")
@requires("admin")
def staff_list():
    return render_template("admin/placeholder.html")


@admin.route("/topics")
@requires("admin")
def topics():
    return render_template("admin/placeholder.html")


@admin.route("/audit")
@requires("admin")
def audit():
    return render_template("admin/placeholder.html")
