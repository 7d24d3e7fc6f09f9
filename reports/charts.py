"""Charts of published findings as SVG (Vega-Lite through vl-convert), drawn when a release
would show a different picture than the last one.

Each chart is drawn twice: narrow for phones (its text stays at least 11 px on a 320 px
screen) and wide for larger screens; the page offers both through `<picture>`. Every mark
is placed in pixels: each bar's label above it, wrapped to the width, and its figure at its
end, formatted in the page's language exactly as in the table. No value axis: it would
only repeat the figures, and its ticks collide on small widths.
"""

import hashlib
import textwrap
from pathlib import Path
from typing import Any

import vl_convert
from flask_babel import force_locale, format_percent
from flask_babel import gettext as _

from reports.presentation import figure_text, option_label
from survey.definition import SurveyDefinition, localize

FONT = "DejaVu Sans, Verdana, sans-serif"
BAR = "#0b5cad"
INK = "#1b1f24"
MUTED = "#4a5360"
WITHHELD = "#d0d5dc"
# Colour-blind safe (Okabe–Ito); each with the text colour that reads on it (4.5:1).
PALETTE = [("#0072b2", "#ffffff"), ("#e69f00", INK), ("#009e73", INK), ("#cc79a7", INK),
           ("#56b4e9", INK), ("#d55e00", INK), ("#000000", "#ffffff"), ("#f0e442", INK),
           ("#7f7f7f", "#ffffff"), ("#8c564b", "#ffffff"), ("#17becf", INK),
           ("#bcbd22", INK)]
# Width of the whole picture and its text sizes, per layout.
LAYOUTS = {"narrow": {"width": 320, "text": 13, "small": 12},
           "wide": {"width": 600, "text": 14, "small": 13}}
NARROW = "narrow"
CHAR_WIDTH = 0.62  # of DejaVu Sans, in ems, on average: for wrapping labels
VALUE_ROOM = 64  # pixels kept right of the longest bar for its figure
HALF_PIXEL = 0.5 / LAYOUTS["wide"]["width"]  # of the value scale

# Digest of how charts are drawn: this module and the library drawing them. A chart drawn
# another way is never taken over into a new release.
STYLE = hashlib.sha256(Path(__file__).read_bytes()
                       + vl_convert.__version__.encode()).hexdigest()[:16]


def chart_content(published: dict[str, Any], definition: SurveyDefinition,
                  language: str) -> dict:
    """Everything a finding's chart shows, in `language`, as plain data: its bars (labels
    and shown figures, then the figure last), titles and style. Kept with a release's
    charts, to tell whether the next release's chart would look the same (`same_picture`)."""
    with force_locale(language):
        content = _content(published, definition, language)
    return {**content, "style": STYLE}


def same_picture(drawn: dict | None, content: dict) -> bool:
    """Whether a chart drawn from `drawn` shows `content` to within half a pixel: the same
    bars, labels, titles and shown figures, and no bar longer or shorter by more than half a
    pixel of the value scale (which runs to 100% for stacked shares, else to the longest
    bar). A figure in the table beside it is always exact."""
    if drawn is None or _shape(drawn) != _shape(content):
        return False
    old, new = _figures(drawn), _figures(content)
    scale = 1.0 if content["kind"] == "stacked" else max(map(abs, old + new), default=0.0)
    return all(abs(a - b) <= (scale or 1.0) * HALF_PIXEL for a, b in zip(old, new, strict=True))


def _shape(content: dict) -> dict:
    return {**content, "bars": [bar[:-1] for bar in content["bars"]]}


def _figures(content: dict) -> list[float]:
    return [bar[-1] for bar in content["bars"]]


def render_chart(published: dict[str, Any], definition: SurveyDefinition,
                 language: str) -> dict[str, str]:
    """The SVG charts of one published finding, labelled in `language`: {layout: svg}."""
    content = chart_content(published, definition, language)
    return {layout: vl_convert.vegalite_to_svg(chart_spec(content, layout))
            for layout in LAYOUTS}


def chart_spec(content: dict, layout: str = "wide") -> dict:
    """The Vega-Lite specification of a chart of `chart_content` in one layout."""
    size = LAYOUTS[layout]
    draw = {"bars": _bars, "stacked": _stacked, "box": _box}[content["kind"]]
    layers, height = draw(content, size)
    width = size["width"]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": width, "height": height, "padding": 0, "autosize": "none",
        "config": {"font": FONT, "view": {"stroke": None}, "text": {"color": INK}},
        # One pixel scale for every layer: x and y are positions in the picture.
        "resolve": {"scale": {"x": "shared", "y": "shared"}},
        "layer": [{**layer, "encoding": {**layer["encoding"], **_pixels(layer, width, height)}}
                  for layer in layers],
    }


def _pixels(layer, width, height) -> dict:
    """x and y of a layer as pixel positions (y downwards)."""
    encoding = {}
    for channel, extent in (("x", width), ("y", height)):
        if channel in layer["encoding"]:
            encoding[channel] = {**layer["encoding"][channel], "type": "quantitative",
                                 "axis": None,
                                 "scale": {"domain": [0, extent], "range": [0, extent],
                                           "zero": False, "nice": False}}
    return encoding


def _text_layer(rows: list[dict], size: int, **mark) -> dict:
    return {"data": {"values": rows},
            "mark": {"type": "text", "baseline": "top", "align": "left", "lineBreak": "\n",
                     "fontSize": size, "lineHeight": round(size * 1.3), **mark},
            "encoding": {"x": {"field": "x"}, "y": {"field": "y"}, "text": {"field": "text"}}}


def _rect_layer(rows: list[dict], **mark) -> dict:
    return {"data": {"values": rows}, "mark": {"type": "rect", **mark},
            "encoding": {"x": {"field": "x"}, "x2": {"field": "x2"}, "y": {"field": "y"},
                         "y2": {"field": "y2"},
                         "color": {"field": "fill", "type": "nominal", "scale": None}}}


def wrap(text: str, width: int, font_size: int) -> list[str]:
    """`text` broken into lines that fit `width` pixels at `font_size` (never cut)."""
    characters = max(8, int(width / (font_size * CHAR_WIDTH)))
    return textwrap.wrap(text, characters, break_long_words=False, break_on_hyphens=True) or [""]


def _title(title: str, size: dict, y: float = 0) -> tuple[list[dict], float]:
    """The chart's title (what its figures are), wrapped; the rows and the height used."""
    lines = wrap(title, size["width"], size["small"])
    line = round(size["small"] * 1.3)
    return [{"x": 0, "y": y, "text": "\n".join(lines)}], y + len(lines) * line + 8


def _bars(content: dict, size: dict) -> tuple[list[dict], float]:
    width, text = size["width"], size["text"]
    line = round(text * 1.3)
    title_rows, y = _title(content["value_title"], size)
    longest = max((bar[-1] for bar in content["bars"]), default=0) or 1
    scale = (width - VALUE_ROOM) / longest
    labels, bars, values = [], [], []
    for label, shown, figure in content["bars"]:
        lines = wrap(label, width, text)
        labels.append({"x": 0, "y": y, "text": "\n".join(lines)})
        y += len(lines) * line + 2
        length = max(figure, 0) * scale
        bars.append({"x": 0, "x2": max(length, 1), "y": y, "y2": y + 18, "fill": BAR})
        values.append({"x": length + 6, "y": y + 2, "text": shown})
        y += 18 + 12
    layers = [_text_layer(title_rows, size["small"], color=MUTED, fontWeight="bold"),
              _text_layer(labels, text), _rect_layer(bars),
              _text_layer(values, size["small"], fontWeight="bold")]
    return layers, y


def _stacked(content: dict, size: dict) -> tuple[list[dict], float]:
    width, text = size["width"], size["text"]
    line = round(text * 1.3)
    title_rows, y = _title(content["row_title"] + " · " + content["value_title"], size)
    colours = {answer: PALETTE[i % len(PALETTE)] for i, answer in enumerate(content["answers"])}
    labels, segments, values = [], [], []
    withheld = False
    rows: dict[str, list] = {}
    for row, answer, shown, share in content["bars"]:
        rows.setdefault(row, []).append((answer, shown, share))
    for row, parts in rows.items():
        lines = wrap(row, width, text)
        labels.append({"x": 0, "y": y, "text": "\n".join(lines)})
        y += len(lines) * line + 2
        start = 0.0
        for answer, shown, share in parts:
            fill, ink = colours[answer]
            left, right = start * width, min((start + share) * width, width)
            segments.append({"x": left, "x2": right, "y": y, "y2": y + 22, "fill": fill})
            # A figure only where it fits inside its segment; the table has them all.
            if right - left >= len(shown) * size["small"] * CHAR_WIDTH + 6:
                values.append({"x": left + 3, "y": y + 4, "text": shown, "ink": ink})
            start += share
        if start < 0.995:  # withheld cells: the rest of the row, marked as such
            withheld = True
            segments.append({"x": start * width, "x2": width, "y": y, "y2": y + 22,
                             "fill": WITHHELD})
        y += 22 + 14
    legend_rows, keys = [], []
    y += 4
    entries = [(answer, colours[answer][0]) for answer in content["answers"]]
    if withheld:
        entries.append((content["withheld_title"], WITHHELD))
    for answer, fill in entries:
        lines = wrap(answer, width - 24, size["small"])
        keys.append({"x": 0, "x2": 14, "y": y + 1, "y2": y + 15, "fill": fill})
        legend_rows.append({"x": 22, "y": y, "text": "\n".join(lines)})
        y += len(lines) * round(size["small"] * 1.3) + 6
    value_layer = _text_layer(values, size["small"], fontWeight="bold")
    value_layer["encoding"]["color"] = {"field": "ink", "type": "nominal", "scale": None}
    layers = [_text_layer(title_rows, size["small"], color=MUTED, fontWeight="bold"),
              _text_layer(labels, text), _rect_layer(segments), value_layer,
              _rect_layer(keys), _text_layer(legend_rows, size["small"])]
    return layers, y


def _box(content: dict, size: dict) -> tuple[list[dict], float]:
    """Quartiles as a box with the median in it, the mean as a dot with its interval."""
    width, small = size["width"], size["small"]
    figures = {name: (shown, value) for name, shown, value in content["bars"]}
    title_rows, y = _title(content["value_title"], size)
    values = [v for _shown, v in figures.values()]
    low, high = min(values), max(values)
    margin = 70  # room for the figures written beside the box
    span = (high - low) or 1.0

    def x(value):
        return margin + (value - low) / span * (width - 2 * margin)

    line = round(small * 1.3)
    texts, rects = [], []
    q1, median, q3 = (figures[name] for name in ("q1", "median", "q3"))
    texts.append({"x": x(median[1]), "y": y, "text": f"{content['names']['median']} {median[0]}",
                  "align": "center"})
    y += line + 2
    rects.append({"x": x(q1[1]), "x2": max(x(q3[1]), x(q1[1]) + 2), "y": y, "y2": y + 26,
                  "fill": "#b9d3ee"})
    rects.append({"x": x(median[1]) - 1.5, "x2": x(median[1]) + 1.5, "y": y - 3, "y2": y + 29,
                  "fill": BAR})
    texts.append({"x": x(q1[1]) - 6, "y": y + 6, "text": q1[0], "align": "right"})
    texts.append({"x": x(q3[1]) + 6, "y": y + 6, "text": q3[0], "align": "left"})
    y += 26 + 16
    if "mean" in figures:
        mean = figures["mean"]
        if "low" in figures:
            rects.append({"x": x(figures["low"][1]), "x2": x(figures["high"][1]) + 0.01,
                          "y": y + 6, "y2": y + 8, "fill": INK})
        rects.append({"x": x(mean[1]) - 5, "x2": x(mean[1]) + 5, "y": y + 2, "y2": y + 12,
                      "fill": INK})
        y += 20
        mean_lines = wrap(content["mean_text"], width, small)
        texts.append({"x": 0, "y": y, "text": "\n".join(mean_lines), "align": "left"})
        y += len(mean_lines) * line + 8
    legend = "\n".join(wrap(content["legend"], width, small))
    texts.append({"x": 0, "y": y, "text": legend, "align": "left"})
    y += len(legend.split("\n")) * line + 4
    # Vega-Lite takes no field for a text's alignment: one layer per alignment.
    layers = [_text_layer(title_rows, small, color=MUTED, fontWeight="bold"), _rect_layer(rects)]
    for align in ("left", "center", "right"):
        rows = [t for t in texts if t["align"] == align]
        if rows:
            layers.append(_text_layer(rows, small, align=align))
    return layers, y


def _content(published, definition, language) -> dict:
    table = published["table"]
    kind = table["type"]
    question = published["question_id"]

    def label(option_id, question_id=question):
        return option_label(definition, question_id, option_id, language)

    def question_title(question_id):
        return localize(definition.question(question_id).text, language)

    def bars(labels, figures, title, shown):
        return {"kind": "bars", "value_title": title,
                "bars": [[label_, shown(figure), figure]
                         for label_, figure in zip(labels, figures, strict=True)
                         if figure is not None]}

    if kind in ("distribution", "likert_summary"):
        return bars([label(o) for o in table["labels"]], table["shares"],
                    _("Share of respondents"), format_percent)
    if kind == "crosstab":
        return {"kind": "stacked", "value_title": _("share within the row"),
                "withheld_title": _("withheld (small groups)"),
                "row_title": question_title(published["by"]),
                "answers": [label(c) for c in table["column_labels"]],
                "bars": [[label(r, published["by"]), label(c), format_percent(s), s]
                         for r, shares in zip(table["row_labels"], table["row_shares"],
                                              strict=True)
                         for c, s in zip(table["column_labels"], shares, strict=True)
                         if s is not None]}
    if kind == "numeric_summary":
        return _box_content(table, question_title(question))
    return bars([label(i) for i in table["labels"]], table["borda_average"],
                _("Average points (Borda score): the more, the more important"), figure_text)


def _box_content(table, title) -> dict:
    figures = [("q1", table["q1"]), ("median", table["median"]), ("q3", table["q3"]),
               ("mean", table["mean"])]
    interval = table.get("interval")
    if interval:
        figures += [("low", interval[0]), ("high", interval[1])]
    mean_text = _("Mean %(mean)s", mean=figure_text(table["mean"]))
    if interval:
        mean_text = _("Mean %(mean)s (95%% interval %(low)s to %(high)s)",
                      mean=figure_text(table["mean"]), low=figure_text(interval[0]),
                      high=figure_text(interval[1]))
    return {"kind": "box", "value_title": title,
            "names": {"median": _("Median")}, "mean_text": mean_text,
            "legend": _("The box holds the middle half of the answers (first to third "
                        "quartile); the line in it is the median."),
            "bars": [[name, figure_text(value), value] for name, value in figures
                     if value is not None]}
