"""Charts of published findings as SVG (Altair + vl-convert), drawn when a release would
show a different picture than the last one."""

import hashlib
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import vl_convert
from flask_babel import force_locale
from flask_babel import gettext as _

from reports.presentation import option_label
from survey.definition import SurveyDefinition, localize

WIDTH = 520
FONT = "DejaVu Sans, Verdana, sans-serif"
BAR = "#0b5cad"
# Colour-blind safe (Okabe–Ito), dark enough for white labels beside them.
PALETTE = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000",
           "#f0e442", "#7f7f7f", "#8c564b", "#17becf", "#bcbd22"]


# Digest of how charts are drawn: this module and the libraries drawing them. A chart drawn
# another way is never taken over into a new release.
STYLE = hashlib.sha256(Path(__file__).read_bytes() + alt.__version__.encode()
                       + vl_convert.__version__.encode()).hexdigest()[:16]
HALF_PIXEL = 0.5 / WIDTH  # of the value axis


def chart_content(published: dict[str, Any], definition: SurveyDefinition,
                  language: str) -> dict:
    """Everything a finding's chart shows, in `language`, as plain data: its bars (labels,
    then the figure last), titles and style. Kept with a release's charts, to tell whether
    the next release's chart would look the same (`same_picture`)."""
    with force_locale(language):
        content = _content(published, definition, language)
    return {**content, "style": STYLE}


def same_picture(drawn: dict | None, content: dict) -> bool:
    """Whether a chart drawn from `drawn` shows `content` to within half a pixel: the same
    bars, labels and titles, and no bar longer or shorter by more than half a pixel of the
    value axis (the axis of stacked shares runs to at least 100%, others to at least the
    longest bar). A figure in the table beside it is always exact."""
    if drawn is None or _shape(drawn) != _shape(content):
        return False
    old, new = _figures(drawn), _figures(content)
    scale = 1.0 if content["kind"] == "stacked" else max(map(abs, old + new), default=0.0)
    return all(abs(a - b) <= (scale or 1.0) * HALF_PIXEL for a, b in zip(old, new, strict=True))


def _shape(content: dict) -> dict:
    return {**content, "bars": [bar[:-1] for bar in content["bars"]]}


def _figures(content: dict) -> list[float]:
    return [bar[-1] for bar in content["bars"]]


def chart_spec(content: dict) -> dict:
    """The Vega-Lite specification of a chart of `chart_content`."""
    if content["kind"] == "stacked":
        chart = _stacked(content)
    else:
        chart = _bars(content)
    return chart.properties(width=WIDTH).configure(font=FONT).configure_axis(
        labelFontSize=12, titleFontSize=12, labelLimit=260).to_dict(validate=False)


def render_chart(published: dict[str, Any], definition: SurveyDefinition, language: str) -> str:
    """The SVG chart of one published finding, labelled in `language`."""
    return vl_convert.vegalite_to_svg(chart_spec(chart_content(published, definition, language)))


def _bars(content: dict) -> alt.Chart:
    data = pd.DataFrame(content["bars"], columns=["label", "value"])
    percent = content["percent"]
    axis = alt.Axis(format="%" if percent else ".1f", title=content["value_title"])
    # aria=False: no bar carries its figure in the SVG (as "value: 0.2531"); a chart taken
    # over from the last release (`same_picture`) would otherwise name that release's
    # figures beside this release's table.
    return alt.Chart(data).mark_bar(color=BAR, aria=False).encode(
        x=alt.X("value:Q", axis=axis, scale=alt.Scale(domainMin=0)),
        y=alt.Y("label:N", sort=None, title=None),
        tooltip=["label:N", alt.Tooltip("value:Q", format=".1%" if percent else ".2f")],
    ).properties(height=alt.Step(26))


def _stacked(content: dict) -> alt.Chart:
    data = pd.DataFrame(content["bars"], columns=["row", "answer", "share"])
    answers = content["answers"]
    return alt.Chart(data).mark_bar(aria=False).encode(  # no figures in the SVG, as above
        x=alt.X("share:Q", axis=alt.Axis(format="%", title=content["value_title"])),
        # The rows' question above their labels, level: beside long labels, turned on its
        # side, it ran into them.
        y=alt.Y("row:N", sort=None, axis=alt.Axis(
            title=content["row_title"], titleAngle=0, titleAlign="right",
            titleBaseline="bottom", titleX=0, titleY=-6)),
        color=alt.Color("answer:N", sort=answers,
                        scale=alt.Scale(domain=answers, range=PALETTE[:len(answers)]),
                        legend=alt.Legend(title=None, orient="bottom", columns=1,
                                          labelLimit=WIDTH)),
        order=alt.Order("order:Q"),
    ).transform_calculate(order="0").properties(height=alt.Step(28))


def _content(published, definition, language) -> dict:
    table = published["table"]
    kind = table["type"]
    question = published["question_id"]

    def label(option_id, question_id=question):
        return option_label(definition, question_id, option_id, language)

    def question_title(question_id):
        return axis_title(localize(definition.question(question_id).text, language))

    def bars(labels, figures, title, percent):
        return {"kind": "bars", "percent": percent, "value_title": title,
                "bars": [[label_, figure] for label_, figure in zip(labels, figures, strict=True)
                         if figure is not None]}

    if kind in ("distribution", "likert_summary"):
        return bars([label(o) for o in table["labels"]], table["shares"],
                    _("Share of respondents"), percent=True)
    if kind == "crosstab":
        return {"kind": "stacked", "value_title": _("Share within the row"),
                "row_title": question_title(published["by"]),
                "answers": [label(c) for c in table["column_labels"]],
                "bars": [[label(r, published["by"]), label(c), s]
                         for r, shares in zip(table["row_labels"], table["row_shares"],
                                              strict=True)
                         for c, s in zip(table["column_labels"], shares, strict=True)
                         if s is not None]}
    if kind == "numeric_summary":
        return bars([_("First quartile"), _("Median"), _("Mean"), _("Third quartile")],
                    [table["q1"], table["median"], table["mean"], table["q3"]],
                    question_title(question), percent=False)
    return bars([label(i) for i in table["labels"]], table["borda_average"],
                _("Average Borda score"), percent=False)


def axis_title(title: str, limit: int = 60) -> str:
    """A question's text as an axis title: cut to `limit` characters, marked where cut."""
    return title if len(title) <= limit else title[:limit - 1].rstrip() + "…"
