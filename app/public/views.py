"""Public pages. Each view looks things up through a service and renders a page, or its fragment for htmx."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import gettext as _
from sqlalchemy import text

from app import page_cache
from app.clock import utcnow
from app.extensions import db, limiter
from app.htmx import page_or_fragment
from app.numbers import database_id
from app.public import public
from app.public.forms import DirectoryFilterForm, FindForm
from app.services import directory, figures, finder, sharing, similar
from app.services.coverage import coverage
from app.services.maturity import maturity_summary
from app.services.topics import topic_matches


@public.get("/")
@page_cache.page()
def home() -> str:
    return render_template(
        "public/home.html", form=FindForm(request.args), meetings=directory.next_meetings(), coverage=coverage()
    )


@public.get("/lcps")
@page_cache.page("topic", "area")
def lcp_directory():
    form = DirectoryFilterForm(request.args)
    form.topic.choices = [("", _("All topics"))] + [(t.slug, t.shown_label) for t in directory.all_topics()]
    form.area.choices = [("", _("All areas"))] + [(name, name) for name in directory.all_area_names()]
    filters = directory.read_filter(form.topic.data, form.area.data)
    return page_or_fragment(
        "public/directory.html",
        "partials/directory_results.html",
        form=form,
        filters=filters,
        lcps=directory.directory(filters),
        coverage=coverage(),
    )


@public.get("/lcps/<string:slug>")
@page_cache.page()
def lcp_page(slug: str) -> str:
    lcp = directory.get_lcp_for_page_or_404(slug)
    responses = sharing.responses_for(lcp)
    return render_template(
        "public/lcp.html",
        lcp=lcp,
        activity=directory.activity(lcp),
        now=utcnow(),
        maturity=maturity_summary(lcp),
        responses=responses,
        # How many people raised each reply's item (1 + those staff counted together with it): one query. The page
        # cache keeps the page, so a new count shows within PAGE_CACHE_SECONDS, as the scorecard's figures do.
        raised_by=similar.raised_by(response.submission_id for response in responses),
        scorecard=figures.scorecard(lcp),
    )


@public.get("/lcps/<string:slug>/meetings/<int:meeting_id>")
@page_cache.page()
def meeting_page(slug: str, meeting_id: int) -> str:
    """One meeting with its agenda: comment on an item before it, read what was decided after it."""
    lcp = directory.get_lcp_or_404(slug)
    meeting = directory.get_meeting_or_404(lcp, meeting_id)
    return render_template("public/meeting.html", lcp=lcp, meeting=meeting, now=utcnow())


@public.get("/find")
@limiter.limit("300 per minute")
@page_cache.page("q", "practice")
def find():
    form = FindForm(request.args)
    result = finder.find(form.q.data or "", practice_id=database_id(request.args.get("practice")))
    return page_or_fragment(
        "public/find.html",
        "partials/find_results.html",
        form=form,
        result=result,
        # A search sent with nothing typed is told what to type.
        empty_search="q" in request.args and not result.query,
        coverage=coverage(),
    )


@public.get("/topics")
@page_cache.page()
def topics() -> str:
    return render_template("public/topics.html", topics=directory.all_topics())


@public.get("/topics/<string:slug>")
@page_cache.page()
def topic_page(slug: str) -> str:
    topic = directory.get_topic_or_404(slug)
    matches = topic_matches(topic)
    return render_template(
        "public/topic.html",
        topic=topic,
        matches=[match for match in matches if match.counts],
        examples_only=[match for match in matches if not match.counts],
    )


@public.get("/accessibility")
@page_cache.page()
def accessibility() -> str:
    return render_template("public/accessibility.html")


@public.get("/easy-read")
@page_cache.page()
def easy_read() -> str:
    return render_template("public/easy_read.html")


@public.get("/privacy")
@page_cache.page()
def privacy() -> str:
    return render_template("public/privacy.html")


@public.get("/healthz")
def healthz() -> tuple[str, int, dict[str, str]]:
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


@public.get("/readyz")
def readyz() -> tuple[str, int, dict[str, str]]:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means not ready; the 503 says so
        current_app.logger.warning("Readiness check failed: %s", type(error).__name__)
        return "database unavailable", 503, {"Content-Type": "text/plain; charset=utf-8"}
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}
