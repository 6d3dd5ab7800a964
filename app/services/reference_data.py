"""Loading the Leeds reference data (LCPs, areas, practices, districts, priorities, topics, maturity framework).

The seed only adds what is missing, matching rows by their natural keys (slugs, names, codes), so
running it twice gives the same rows and it never overwrites a row that staff have since edited.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Area,
    GpPractice,
    Lcp,
    LcpPostcodeDistrict,
    MaturityElement,
    MaturityLevel,
    Partner,
    PostcodeDistrict,
    Priority,
    Topic,
)

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SOURCE_FILE = DATA_DIR / "leeds-lcps.json"
CURATION_FILE = DATA_DIR / "curation.json"

Model = TypeVar("Model", bound=db.Model)


@dataclass
class SeedReport:
    added: int = 0

    def __str__(self) -> str:
        return f"{self.added} reference rows added"


def load_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def short_name(name: str) -> str:
    """ "HATCH Local Care Partnership (Harehills, …)" becomes "HATCH"."""
    name = re.sub(r"\s*\(.*\)$", "", name)
    return re.sub(r"\s+Local Care Partnership$", "", name).strip()


class Seeder:
    def __init__(self) -> None:
        self.report = SeedReport()

    def get_or_add(self, model: type[Model], defaults: dict[str, Any] | None = None, **keys: Any) -> Model:
        row = db.session.scalar(select(model).filter_by(**keys))
        if row is None:
            row = model(**keys, **(defaults or {}))
            db.session.add(row)
            db.session.flush()
            self.report.added += 1
        return row

    def run(self) -> SeedReport:
        source = load_json(SOURCE_FILE)
        curation = load_json(CURATION_FILE)
        topics = self.seed_topics(source["topics"])
        self.seed_districts(curation["leeds_postcode_districts"]["codes"])
        for lcp_data in source["lcps"]:
            self.seed_lcp(lcp_data, curation["lcps"].get(lcp_data["slug"], {}), topics)
        for link in curation["extra_district_links"]["links"]:
            lcp = db.session.scalar(select(Lcp).where(Lcp.slug == link["lcp"]))
            self.link_district(lcp, link["district"], derived=True, note=link["note"])
        self.seed_maturity(source["maturity_framework"], curation["maturity_levels"]["levels"])
        db.session.commit()
        return self.report

    def seed_topics(self, topics: list[dict[str, Any]]) -> dict[str, Topic]:
        return {
            item["id"]: self.get_or_add(
                Topic, {"label": item["label"], "summary": item["summary"], "position": position}, slug=item["id"]
            )
            for position, item in enumerate(topics)
        }

    def seed_districts(self, codes: list[str]) -> None:
        for code in codes:
            self.get_or_add(PostcodeDistrict, {"in_leeds": True}, code=code)

    def link_district(self, lcp: Lcp, code: str, derived: bool, note: str) -> None:
        district = self.get_or_add(PostcodeDistrict, {"in_leeds": True}, code=code)
        self.get_or_add(LcpPostcodeDistrict, {"derived": derived, "note": note}, lcp_id=lcp.id, district_id=district.id)

    def seed_lcp(self, data: dict[str, Any], extra: dict[str, Any], topics: dict[str, Topic]) -> None:
        lcp = self.get_or_add(
            Lcp,
            {
                "name": data["name"],
                "short_name": short_name(data["name"]),
                "summary": extra.get("summary", ""),
                "confidence": data["confidence"],
                "population": data.get("population"),
                "population_note": data.get("population_note", ""),
                "health_context": data.get("health_context", ""),
                "community_profile": data.get("community_profile", ""),
                "residents_said": data.get("what_residents_said_2021", ""),
                "source_notes": " ".join(filter(None, [data.get("notes"), data.get("postcode_note")])),
                "gp_practices_note": data.get("gp_practices_note", ""),
                "areas_note": data.get("areas_note", ""),
                "sources": "\n".join(data.get("sources", [])),
            },
            slug=data["slug"],
        )
        for position, name in enumerate(data["areas"]):
            self.get_or_add(Area, {"position": position}, lcp_id=lcp.id, name=name)
        for name in data["gp_practices"]:
            self.get_or_add(GpPractice, lcp_id=lcp.id, name=name)
        for code in data["postcode_districts"]:
            self.link_district(lcp, code, derived=bool(data["postcode_districts_derived"]), note="")
        for position, partner in enumerate(extra.get("partners", [])):
            self.get_or_add(
                Partner, {"kind": partner["kind"], "position": position}, lcp_id=lcp.id, name=partner["name"]
            )
        priority_topics = extra.get("priority_topics", {})
        for position, item in enumerate(data["priorities"]):
            priority = db.session.scalar(select(Priority).filter_by(lcp_id=lcp.id, title=item["title"]))
            if priority is None:
                priority = self.get_or_add(
                    Priority, {"summary": item["summary"], "position": position}, lcp_id=lcp.id, title=item["title"]
                )
                priority.topics = [topics[slug] for slug in priority_topics.get(item["title"], [])]
        if not lcp.resident_topics and extra.get("resident_topics"):
            lcp.resident_topics = [topics[slug] for slug in extra["resident_topics"]]

    def seed_maturity(self, framework: dict[str, Any], levels: list[str]) -> None:
        position = 0
        for element in framework["elements"]:
            parent = self.get_or_add(
                MaturityElement, {"label": element["label"], "position": position}, slug=element["id"]
            )
            position += 1
            for aspect in element.get("aspects", []):
                self.get_or_add(
                    MaturityElement,
                    {"label": aspect["label"], "position": position, "parent_id": parent.id},
                    slug=aspect["id"],
                )
                position += 1
        for rank, label in enumerate(levels, start=1):
            if db.session.scalar(select(MaturityLevel).where(MaturityLevel.label == label)) is None:
                self.get_or_add(MaturityLevel, {"rank": rank}, label=label)


def seed() -> SeedReport:
    return Seeder().run()
