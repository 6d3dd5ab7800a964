"""Reference data from leeds-lcps.json, seeded idempotently; demo content that never touches it; the migrations."""

from __future__ import annotations

import json

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from app.commands import Actor
from app.commands.system import load_demo, seed
from app.extensions import db
from app.models import (
    Area,
    GpPractice,
    Lcp,
    LcpPostcodeDistrict,
    MaturityAssessment,
    MaturityElement,
    MaturityLevel,
    Meeting,
    Priority,
    Topic,
    Update,
    in_models_schema,
)
from app.services.reference_data import CURATION_FILE, SOURCE_FILE, load_json

CURATION = load_json(CURATION_FILE)
SOURCE = json.loads(SOURCE_FILE.read_text(encoding="utf-8"))
REFERENCE_MODELS = [Lcp, Area, GpPractice, LcpPostcodeDistrict, Priority, Topic, MaturityElement, MaturityLevel]


def counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in REFERENCE_MODELS}


def test_every_lcp_in_the_data_file_is_seeded(app_context: None) -> None:
    slugs = set(db.session.scalars(select(Lcp.slug)))
    assert slugs == {lcp["slug"] for lcp in SOURCE["lcps"]}
    assert len(slugs) == 13


def test_areas_practices_priorities_and_topics_match_the_source(app_context: None) -> None:
    for data in SOURCE["lcps"]:
        lcp = db.session.scalar(select(Lcp).where(Lcp.slug == data["slug"]))
        assert [area.name for area in lcp.areas] == data["areas"]
        # Each practice the partnership's list names is linked by ODS code, or recorded as unmatched with why.
        known = {name for practice in lcp.gp_practices for name in [practice.name, *practice.alias_list]}
        unmatched = {
            entry["source_name"] for entry in CURATION["gp_practices"]["unmatched"] if entry["lcp"] == lcp.slug
        }
        assert all(name in known or name in unmatched for name in data["gp_practices"]), lcp.slug
        assert [p.title for p in lcp.priorities] == [p["title"] for p in data["priorities"]]
        # Our curation adds districts an LCP reaches into beyond its sources' list (app/data/curation.json).
        extra = {link["district"] for link in CURATION["extra_district_links"]["links"] if link["lcp"] == lcp.slug}
        listed = [link for link in lcp.district_links if link.district.code not in extra]
        assert sorted(link.district.code for link in listed) == sorted(data["postcode_districts"])
        assert all(link.derived == data["postcode_districts_derived"] for link in listed)
    assert [t.slug for t in db.session.scalars(select(Topic).order_by(Topic.position))] == [
        t["id"] for t in SOURCE["topics"]
    ]


def test_maturity_framework_elements_and_culture_aspects(app_context: None) -> None:
    culture = db.session.scalar(select(MaturityElement).where(MaturityElement.slug == "culture"))
    aspects = db.session.scalars(select(MaturityElement).where(MaturityElement.parent_id == culture.id)).all()
    assert {a.slug for a in aspects} == {
        "community-driven",
        "strengths-based",
        "evidence-based-decision-making",
        "quality-improvement",
    }
    assert [level.label for level in db.session.scalars(select(MaturityLevel).order_by(MaturityLevel.rank))] == [
        "Solid foundations",
        "Well developed",
    ]


def test_seed_twice_gives_the_same_rows(app_context: None) -> None:
    before = counts()
    report = seed(Actor.cli())
    assert report.added == 0
    assert counts() == before


def test_seed_keeps_staff_edits(app_context: None) -> None:
    lcp = db.session.scalar(select(Lcp).where(Lcp.slug == "wetherby"))
    original = lcp.summary
    lcp.summary = "Edited by staff"
    db.session.commit()
    try:
        seed(Actor.cli())
        db.session.refresh(lcp)
        assert lcp.summary == "Edited by staff"
    finally:
        lcp.summary = original
        db.session.commit()


def test_demo_replaces_only_demo_rows(app_context: None) -> None:
    before = counts()
    real_meeting = Meeting(
        lcp=db.session.scalar(select(Lcp).where(Lcp.slug == "armley")),
        title="A real meeting",
        starts_at=Meeting.starts_at.type.python_type(2026, 1, 5, 14),
        ends_at=Meeting.ends_at.type.python_type(2026, 1, 5, 16),
    )
    db.session.add(real_meeting)
    db.session.commit()
    try:
        demo_meetings = db.session.scalar(select(func.count()).select_from(Meeting).where(Meeting.is_demo))
        load_demo(Actor.cli())
        load_demo(Actor.cli())
        assert counts() == before
        assert db.session.get(Meeting, real_meeting.id).title == "A real meeting"
        assert db.session.scalar(select(func.count()).select_from(Meeting).where(Meeting.is_demo)) == demo_meetings
        assert db.session.scalar(select(func.count()).select_from(Update).where(~Update.is_demo)) == 0
        assert db.session.scalar(select(func.count()).select_from(MaturityAssessment)) == 2 * len(SOURCE["lcps"])
    finally:
        db.session.delete(db.session.get(Meeting, real_meeting.id))
        db.session.commit()


def test_migrations_build_exactly_the_models_schema(app_context: None) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": in_models_schema})
        differences = compare_metadata(context, db.metadata)
    assert differences == []
