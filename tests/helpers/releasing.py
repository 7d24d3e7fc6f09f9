"""Helpers for tests that publish releases: responses, memoized charts, the page's table."""

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser

import numpy as np

import reports.releases
from reports.charts import render_chart
from reports.demo import generate, insert_demo_responses
from reports.releases import publish_release
from survey.surveys import definition_of, find_survey, newest_version

_charts: dict[tuple[str, str, str], str] = {}


def memoize_charts(monkeypatch) -> None:
    """Render each distinct chart once per test process.

    `render_chart` is a pure function of the published finding, the definition and the
    language, so a chart drawn for the same inputs in an earlier test is the same SVG.
    Rendering is most of the time a release takes.
    """

    def render(published, definition, language):
        key = (json.dumps(published, sort_keys=True), definition.model_dump_json(), language)
        if key not in _charts:
            _charts[key] = render_chart(published, definition, language)
        return _charts[key]

    monkeypatch.setattr(reports.releases, "render_chart", render)


def add_demo_responses(slug: str, count: int, seed: int = 1) -> None:
    """`count` synthetic responses from `reports.demo`, as `flask demo-data` adds them."""
    version = newest_version(find_survey(slug))
    definition = definition_of(version)
    rng = np.random.default_rng(seed)
    for batch in generate(definition, count, seed):
        insert_demo_responses(version, batch, rng)


def add_answer_sets(slug: str, answer_sets: list[dict]) -> None:
    """Store hand-made answer sets as (demo) responses."""
    version = newest_version(find_survey(slug))
    insert_demo_responses(version, answer_sets, np.random.default_rng(0))


def answer_set(primary="xing", country="de", agree="yes") -> dict:
    """A response to the factory survey (tests.factories) answering the findings' questions."""
    return {"consent": True, "networks": ["xing"], "activity": {"xing": "daily"},
            "primary": primary, "country": country, "agree": agree}


def balanced(count: int) -> list[dict]:
    """`count` answer sets without small cells: primary × country in four groups."""
    return [answer_set(("xing", "linkedin")[i % 2], ("de", "at")[i // 2 % 2],
                       ("no", "partly", "yes")[i % 3]) for i in range(count)]


def publish(slug: str):
    """Publish a release of the survey; returns it."""
    return publish_release(find_survey(slug))


@dataclass
class PageTable:
    """The data table of a finding page, as text."""

    caption: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    withheld: list[list[bool]] = field(default_factory=list)  # per cell after the first


class _TableParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.table = PageTable()
        self.inside = False
        self.part = None  # "caption", "head" or "body"
        self.cell: list[str] | None = None
        self.found = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "table" and "data" in (attributes.get("class") or "").split():
            self.inside = True
            self.found += 1
        if not self.inside:
            return
        if tag == "caption":
            self.part = "caption"
        elif tag == "thead":
            self.part = "head"
        elif tag == "tbody":
            self.part = "body"
        elif tag == "tr" and self.part == "body":
            self.table.rows.append([])
            self.table.withheld.append([])
        elif tag in ("th", "td"):
            self.cell = []
            if tag == "td" and self.part == "body":
                classes = (attributes.get("class") or "").split()
                self.table.withheld[-1].append("withheld" in classes)

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag in ("th", "td") and self.cell is not None:
            text = " ".join("".join(self.cell).split())
            (self.table.header if self.part == "head" else self.table.rows[-1]).append(text)
            self.cell = None
        elif tag == "caption":
            self.part = None
        elif tag == "table":
            self.inside = False

    def handle_data(self, data):
        if self.part == "caption" and self.cell is None:
            self.table.caption += data.strip()
        elif self.cell is not None:
            self.cell.append(data)


def page_table(html: str) -> PageTable:
    """The one data table of a page."""
    parser = _TableParser()
    parser.feed(html)
    assert parser.found == 1, f"{parser.found} data tables on the page"
    return parser.table


def english_number(text: str) -> float:
    """A number as an English page shows it: "1,234", "12.5", "38%" (as 38)."""
    return float(text.replace(",", "").removesuffix("%"))
