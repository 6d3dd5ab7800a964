"""`flask seed`, `flask demo` and `flask translate …`: setting the site up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from flask import Flask

ROOT = Path(__file__).resolve().parent.parent.parent
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


def register(app: Flask) -> None:
    @app.cli.command("seed")
    def seed_command() -> None:
        """Load the Leeds reference data; safe to run again."""
        from app.commands import Actor
        from app.commands.system import seed

        click.echo(str(seed(Actor.cli())))

    @app.cli.command("demo")
    def demo_command() -> None:
        """Replace the fictional demo content (never for production)."""
        from app.commands import Actor, CommandRefused
        from app.commands.system import demo_site
        from app.services.demo_staff import sign_in_instructions

        try:
            loaded = demo_site(Actor.cli())
        except CommandRefused as refusal:
            raise click.ClickException(refusal.message) from None
        click.echo(f"{loaded.rows} demo rows made")
        if loaded.accounts:
            click.echo(sign_in_instructions(loaded.accounts, app.config["SITE_URL"]))

    @app.cli.group("translate")
    def translate() -> None:
        """Translation catalogues: extract, update, compile, init."""

    @translate.command("extract")
    def extract() -> None:
        """Write translations/messages.pot from the code and templates."""
        _extract()

    def _extract() -> None:
        _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "--no-location", "--sort-output", "-o", str(POT), ".")

    @translate.command("update")
    def update() -> None:
        """Extract, then merge new strings into every catalogue."""
        _extract()
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
