"""A chart is taken over into the next release only if it would look the same."""

import pytest

import vl_convert

from reports.charts import HALF_PIXEL, STYLE, axis_title, chart_spec, same_picture


def bars(*figures, labels=("XING", "LinkedIn"), kind="bars"):
    return {"kind": kind, "percent": True, "value_title": "Share of respondents",
            "bars": [[label, figure] for label, figure in zip(labels, figures, strict=True)],
            "style": STYLE}


def test_nothing_drawn_before_is_drawn_now():
    assert not same_picture(None, bars(0.4, 0.6))


def test_bars_within_half_a_pixel_look_the_same():
    nudge = 0.6 * HALF_PIXEL * 0.99  # the longest bar, 0.6, sets the axis
    assert same_picture(bars(0.4, 0.6), bars(0.4 + nudge, 0.6 - nudge))


def test_a_bar_moved_by_more_than_half_a_pixel_is_drawn_again():
    nudge = 0.6 * HALF_PIXEL * 1.01
    assert not same_picture(bars(0.4, 0.6), bars(0.4 + nudge, 0.6))


def test_stacked_shares_are_measured_against_the_whole_row():
    labels = ("XING", "LinkedIn")
    before = bars(0.1, 0.9, labels=labels, kind="stacked")
    assert same_picture(before, bars(0.1 + 0.99 * HALF_PIXEL, 0.9, labels=labels,
                                     kind="stacked"))
    assert not same_picture(before, bars(0.1 + 1.01 * HALF_PIXEL, 0.9, labels=labels,
                                         kind="stacked"))


@pytest.mark.parametrize("change", [
    lambda c: c.update(value_title="Anteil der Befragten"),
    lambda c: c.update(style="drawn another way"),
    lambda c: c["bars"].pop(),  # a bar withheld now
    lambda c: c["bars"][0].__setitem__(0, "Xing"),
], ids=["title", "style", "bar-withheld", "label"])
def test_other_words_or_bars_are_drawn_again(change):
    now = bars(0.4, 0.6)
    change(now)
    assert not same_picture(bars(0.4, 0.6), now)


def test_a_long_question_is_cut_to_an_axis_title_marked_as_cut():
    question = "What share of your business contacts on social networks live abroad?"
    title = axis_title(question)
    assert len(title) == 60 and title.endswith("…")
    assert question.startswith(title[:-1])
    assert axis_title("In which country do you live?") == "In which country do you live?"


@pytest.mark.parametrize("kind", ["bars", "stacked"])
def test_a_chart_names_no_figure_the_table_might_not_show(kind):
    """A chart taken over from the last release is drawn from that release's shares; the
    SVG carries only the picture, so it cannot name a figure the table beside it lacks."""
    content = bars(0.2531, 0.7469, kind=kind)
    if kind == "stacked":
        content = {**content, "row_title": "Country", "answers": ["XING", "LinkedIn"],
                   "bars": [["Germany", label, share] for label, share in content["bars"]]}
    svg = vl_convert.vegalite_to_svg(chart_spec(content))
    assert "<svg" in svg and "XING" in svg
    for figure in ("0.2531", "25.3", "25.31", "0.7469", "74.7"):
        assert figure not in svg, figure
