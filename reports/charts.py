"""Charts of published findings as SVG, rendered once per release (Altair + vl-convert)."""

import hashlib
import json
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


def chart_spec(published: dict[str, Any], definition: SurveyDefinition,
               language: str) -> dict:
    """The Vega-Lite specification of one published finding's chart, labelled in `language`.

    Figures are rounded to what the chart can show (a tenth of a percent, two decimals), so
    that a release whose figures moved less than that has the same specification.
    """
    with force_locale(language):
        chart = _chart(published, definition, language)
    return chart.properties(width=WIDTH).configure(font=FONT).configure_axis(
        labelFontSize=12, titleFontSize=12, labelLimit=260).to_dict()


def chart_key(published: dict[str, Any], definition: SurveyDefinition, language: str) -> str:
    """A digest of the chart's specification: equal digests, equal charts."""
    spec = json.dumps(chart_spec(published, definition, language), sort_keys=True)
    return hashlib.sha256(spec.encode()).hexdigest()


def render_chart(published: dict[str, Any], definition: SurveyDefinition, language: str) -> str:
    """The SVG chart of one published finding, labelled in `language`."""
    return vl_convert.vegalite_to_svg(chart_spec(published, definition, language))


def _bars(data: pd.DataFrame, value: str, value_title: str, percent: bool) -> alt.Chart:
    axis = alt.Axis(format="%" if percent else ".1f", title=value_title)
    return alt.Chart(data).mark_bar(color=BAR).encode(
        x=alt.X(f"{value}:Q", axis=axis, scale=alt.Scale(domainMin=0)),
        y=alt.Y("label:N", sort=None, title=None),
        tooltip=["label:N", alt.Tooltip(f"{value}:Q", format=".1%" if percent else ".2f")],
    ).properties(height=alt.Step(26))


def _chart(published, definition, language) -> alt.Chart:
    table = published["table"]
    kind = table["type"]
    question = published["question_id"]

    def label(option_id, question_id=question):
        return option_label(definition, question_id, option_id, language)

    if kind in ("distribution", "likert_summary"):
        data = pd.DataFrame([{"label": label(o), "share": round(s, 3)}
                             for o, s in zip(table["labels"], table["shares"], strict=True)
                             if s is not None])
        return _bars(data, "share", _("Share of respondents"), percent=True)
    if kind == "crosstab":
        rows = [{"row": label(r, published["by"]), "answer": label(c), "share": round(s, 3)}
                for r, shares in zip(table["row_labels"], table["row_shares"], strict=True)
                for c, s in zip(table["column_labels"], shares, strict=True) if s is not None]
        answers = [label(c) for c in table["column_labels"]]
        return alt.Chart(pd.DataFrame(rows)).mark_bar().encode(
            x=alt.X("share:Q", axis=alt.Axis(format="%", title=_("Share within the row"))),
            y=alt.Y("row:N", sort=None,
                    title=localize(definition.question(published["by"]).text, language)[:60]),
            color=alt.Color("answer:N", sort=answers,
                            scale=alt.Scale(domain=answers, range=PALETTE[:len(answers)]),
                            legend=alt.Legend(title=None, orient="bottom", columns=1,
                                              labelLimit=WIDTH)),
            order=alt.Order("order:Q"),
        ).transform_calculate(order="0").properties(height=alt.Step(28))
    if kind == "numeric_summary":
        figures = [(_("First quartile"), table["q1"]), (_("Median"), table["median"]),
                   (_("Mean"), table["mean"]), (_("Third quartile"), table["q3"])]
        data = pd.DataFrame([{"label": name, "value": round(v, 2)} for name, v in figures
                             if v is not None])
        return _bars(data, "value", localize(definition.question(question).text,
                                             language)[:60], percent=False)
    data = pd.DataFrame([{"label": label(i), "score": round(s, 2)}
                         for i, s in zip(table["labels"], table["borda_average"], strict=True)
                         if s is not None])
    return _bars(data, "score", _("Average Borda score"), percent=False)
