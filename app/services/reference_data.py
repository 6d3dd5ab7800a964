"""Loading the Leeds reference data (LCPs, areas, practices, districts, priorities, topics, maturity framework).

The seed only adds what is missing, matching rows by their natural keys (slugs, names, codes), so
running it twice gives the same rows and it never overwrites a row that staff have since edited. Staff
changes are kept in three more ways: an LCP staff have edited (`edited_at`) gets none of its lists
filled in again; an LCP whose slug an admin renamed or merged away (an `LcpRedirect`) is not made
again; and a practice's LCP is set only when the practice row is first added, never afterwards.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select

from app.extensions import Model as ModelBase
from app.extensions import db
from app.models import (
    Area,
    CoverageGap,
    GpPractice,
    Lcp,
    LcpPostcodeDistrict,
    LcpRedirect,
    MaturityElement,
    MaturityLevel,
    Partner,
    Place,
    PostcodeDistrict,
    PostcodeSector,
    Priority,
    Topic,
)

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SOURCE_FILE = DATA_DIR / "leeds-lcps.json"
PRACTICES_FILE = DATA_DIR / "leeds-gp-practices.json"
CURATION_FILE = DATA_DIR / "curation.json"
# Words in an ODS address line that say it names a building people know the practice by.
BUILDING_WORDS = {"SURGERY", "MEDICAL", "HEALTH", "PRACTICE", "CENTRE", "CTR", "CNTR", "HC"}
ABBREVIATIONS = {"CTR": "Centre", "CTR.": "Centre", "CNTR": "Centre", "HC": "Health Centre"}
SMALL_WORDS = {"AND": "and", "OF": "of", "IN": "in"}

Model = TypeVar("Model", bound=ModelBase)


@dataclass
class SeedReport:
    added: int = 0

    def __str__(self) -> str:
        return f"{self.added} reference rows added"


def load_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def readable_words(text: str) -> str:
    """ "DR N SADDIQ'S PRACTICE" becomes "Dr N Saddiq's Practice"; "MEDICAL CTR." becomes "Medical Centre"."""
    words = []
    for position, word in enumerate(text.split()):
        if word in ABBREVIATIONS:
            words.append(ABBREVIATIONS[word])
        elif word in SMALL_WORDS and position:
            words.append(SMALL_WORDS[word])
        elif word == "LLP":
            words.append(word)
        else:
            words.append("-".join(part[:1].upper() + part[1:].lower() for part in word.split("-")))
    return " ".join(words)


def practice_names(row: dict[str, Any], names: dict[str, str]) -> tuple[str, list[str]]:
    """The name people know a practice by, and the other names it goes by (ODS name, building)."""
    official = readable_words(row["official_name"])
    building = readable_words(row["first_address_line"])
    is_building = bool(BUILDING_WORDS & set(row["first_address_line"].replace(".", "").split()))
    person_named = row["official_name"].startswith("DR ")
    name = names.get(row["ods_code"]) or (building if person_named and is_building else official)
    others = [official]
    if is_building:
        others.append(building)
    return name, [other for other in dict.fromkeys(others) if other != name]


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
        retired = set(db.session.scalars(select(LcpRedirect.old_slug)))
        for lcp_data in source["lcps"]:
            if lcp_data["slug"] not in retired:
                self.seed_lcp(lcp_data, curation["lcps"].get(lcp_data["slug"], {}), topics)
        for link in curation["extra_district_links"]["links"]:
            lcp = db.session.scalar(select(Lcp).where(Lcp.slug == link["lcp"]))
            if lcp is not None and lcp.edited_at is None:
                self.link_district(lcp, link["district"], derived=True, note="")
        self.seed_practices(load_json(PRACTICES_FILE)["practices"], curation["gp_practices"])
        self.seed_places(curation["places"]["places"])
        self.seed_boundaries(curation["postcode_boundaries"])
        self.seed_coverage(curation["coverage"]["gaps"])
        self.seed_maturity(source["maturity_framework"], curation["maturity_levels"]["levels"])
        db.session.flush()
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
        if lcp.edited_at is not None:
            return
        for position, name in enumerate(data["areas"]):
            self.get_or_add(Area, {"position": position}, lcp_id=lcp.id, name=name)
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

    def seed_practices(self, rows: list[dict[str, Any]], curated: dict[str, Any]) -> None:
        """Every practice in the NHS list; an LCP only where that LCP's own list names the practice.

        Only missing practices are added, so a practice already held keeps the LCP staff gave it or
        took from it (`lcp_linked_at`). A former slug leads to the partnership it became.
        """
        lcp_ids = {slug: lcp_id for slug, lcp_id in db.session.execute(select(Lcp.slug, Lcp.id))}
        lcp_ids.update(dict(db.session.execute(select(LcpRedirect.old_slug, LcpRedirect.lcp_id)).all()))
        links = {link["ods"]: link for link in curated["lcp_links"]}
        for row in rows:
            name, aliases = practice_names(row, curated["names"])
            link = links.get(row["ods_code"])
            if link and link["source_name"] != name:
                aliases.append(link["source_name"])
            aliases += curated["aliases"].get(row["ods_code"], [])
            self.get_or_add(
                GpPractice,
                {
                    "name": name,
                    "official_name": row["official_name"],
                    "address": readable_words(row["first_address_line"]),
                    "postcode": row["postcode"],
                    "district": row["postcode"].split()[0],
                    "is_open": row["status"] == "open",
                    "closed_on": date.fromisoformat(row["closed_on"]) if row["closed_on"] else None,
                    "lcp_id": lcp_ids.get(link["lcp"]) if link else None,
                    "lcp_confirmed_by": "published" if link and link["lcp"] in lcp_ids else "",
                    "aliases": "\n".join(dict.fromkeys(alias for alias in aliases if alias != name)),
                },
                ods_code=row["ods_code"],
            )
        for extra in curated["extra_practices"]:
            self.get_or_add(
                GpPractice,
                {
                    "lcp_id": lcp_ids.get(extra["lcp"]),
                    "lcp_confirmed_by": "published" if extra["lcp"] in lcp_ids else "",
                    "aliases": "\n".join(extra["aliases"]),
                },
                name=extra["name"],
                ods_code=None,
            )

    def seed_places(self, places: list[dict[str, Any]]) -> None:
        for place in places:
            self.get_or_add(
                Place,
                {
                    "districts": " ".join(place["districts"]),
                    "aliases": "\n".join(place.get("aliases", [])),
                    "in_leeds": place.get("in_leeds", True),
                },
                name=place["name"],
            )

    def seed_boundaries(self, boundaries: dict[str, Any]) -> None:
        # What is known of each side of the boundary stays in the curation, where app.services.coverage reads it.
        for code in boundaries["districts"]:
            district = self.get_or_add(PostcodeDistrict, {"in_leeds": True}, code=code)
            if not district.partly_outside:
                district.partly_outside = True
        for sector in boundaries["sectors"]:
            self.get_or_add(PostcodeSector, {"in_leeds": sector["in_leeds"]}, code=sector["code"])

    def seed_coverage(self, gaps: list[dict[str, Any]]) -> None:
        for position, gap in enumerate(gaps):
            self.get_or_add(
                CoverageGap,
                {"places": "\n".join(gap["places"]), "position": position},
                name=gap["name"],
            )

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
    """Add what is missing, in the caller's transaction: `flask seed` is `app.commands.system.seed`, which commits."""
    return Seeder().run()
