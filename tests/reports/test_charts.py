"""A chart is taken over into the next release only if it would look the same."""

import pytest

from reports.charts import HALF_PIXEL, STYLE, same_picture, wrap


def bars(*figures, labels=("XING", "LinkedIn"), kind="bars", shown=("40%", "60%")):
    return {"kind": kind, "value_title": "Share of respondents",
            "bars": [[label, text, figure]
                     for label, text, figure in zip(labels, shown, figures, strict=True)],
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
    lambda c: c["bars"][0].__setitem__(1, "41%"),
], ids=["title", "style", "bar-withheld", "label", "figure-written-on-the-bar"])
def test_other_words_or_bars_are_drawn_again(change):
    now = bars(0.4, 0.6)
    change(now)
    assert not same_picture(bars(0.4, 0.6), now)


def test_a_long_label_is_wrapped_never_cut():
    label = "Ja, teilweise: LinkedIn nutze ich heute mehr, XING weniger als früher"
    lines = wrap(label, 320, 13)
    assert len(lines) > 1 and " ".join(lines) == label
    assert all(len(line) * 13 * 0.62 <= 320 for line in lines)
    assert wrap("XING", 320, 13) == ["XING"]
