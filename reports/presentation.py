"""Published findings made readable: localized labels, table rows, a one-sentence summary.

One model serves the page, the CSV download and the chart, so that they can
never disagree.
"""

from dataclasses import dataclass, field
from typing import Any

from flask_babel import force_locale, format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from reports.disclosure import FEWER_THAN_K, SHOWN
from reports.rounding import round_count
from survey.definition import SurveyDefinition, localize
from survey.definition.model import DONT_KNOW, OTHER

METHODS = {
    "distribution/single": _l("Share of respondents who chose each answer."),
    "distribution/likert": _l("Share of respondents who chose each point of the scale."),
    "distribution/multi": _l("Share of respondents who chose each option; several could be "
                             "chosen, so the shares may add up to more than 100%."),
    "crosstab/single-single": _l("Counts of respondents by both questions; shares within "
                                 "each row."),
    "crosstab/multi-single": _l("Counts of respondents by both questions; several answers "
                                "could be chosen, so a respondent may count in several "
                                "columns. Shares within each row."),
    "crosstab/single-multi": _l("Counts of respondents by both questions; a respondent may "
                                "count in several rows. Shares within each row."),
    "crosstab/multi-multi": _l("Counts of respondents by both questions; a respondent may "
                               "count in several rows and columns. Shares within each row."),
    "likert_summary/wilson": _l("Share of respondents who agree, among those who gave a "
                                "point on the scale, with a 95% Wilson score interval."),
    "numeric_summary/t": _l("Median and quartiles (linear interpolation); mean with a 95% "
                            "t interval. The smallest and largest answers are not shown, "
                            "as they are single people's answers."),
    "ranking/borda": _l("Mean place (1 = first) and Borda score: an item placed r-th of m "
                        "gets m − r points; the average over respondents is shown."),
}


@dataclass
class Cell:
    """One table cell: a number to show, or a reason it is withheld."""

    text: str
    value: float | int | None = None  # the raw figure, for CSV and charts
    withheld: bool = False
    share: bool = False  # `value` is a share (0.25 for 25%)


@dataclass
class DisplayTable:
    caption: str
    header: list[str]
    rows: list[list[Cell]]
    notes: list[str] = field(default_factory=list)


def option_label(definition: SurveyDefinition, question_id: str, option_id: str,
                 language: str) -> str:
    """The label of an option (or item, row, scale point) in `language`."""
    if option_id == OTHER:
        return _("Other")
    if option_id == DONT_KNOW:
        return _("Don't know")
    question = definition.question(question_id)
    for key in ("options", "scale", "items", "columns", "rows"):
        for option in getattr(question, key, None) or []:
            if option.id == option_id:
                return localize(option.label, language)
    return option_id


def _percent(share: float | None) -> str:
    return format_percent(share) if share is not None else "–"  # "67%" in English, "67 %" in German


def _count_cell(count, status, k) -> Cell:
    if status == SHOWN:
        return Cell(format_decimal(count), count)
    if status == FEWER_THAN_K:
        return Cell(_("fewer than %(k)d", k=k), None, withheld=True)
    return Cell(_("withheld"), None, withheld=True)


def _share_cell(share) -> Cell:
    return Cell(_percent(share), share, withheld=share is None, share=True)


def spreadsheet_value(cell: Cell) -> str:
    """A cell as a spreadsheet program in the page's language reads it: whole counts
    without grouping ("4186"), shares as percent to one decimal ("16,9%" in German),
    other figures to two decimals; words (withheld cells, labels) as shown."""
    if cell.value is None:
        return cell.text
    if cell.share:
        return format_decimal(round(cell.value * 100, 1), format="0.#") + "%"
    if float(cell.value).is_integer():
        return format_decimal(cell.value, format="0")
    return format_decimal(round(cell.value, 2), format="0.##")


def display_table(published: dict[str, Any], definition: SurveyDefinition,
                  language: str) -> DisplayTable:
    """The rows of a published finding's table, localized."""
    table = published["table"]
    kind = table["type"]
    question = published["question_id"]
    label = lambda option: option_label(definition, question, option, language)  # noqa: E731
    if kind in ("distribution", "likert_summary"):
        statuses = table.get("status") or [SHOWN] * len(table["labels"])  # rounded: all shown
        rows = [[Cell(label(option)), _count_cell(count, status, table.get("k")),
                 _share_cell(share)]
                for option, count, status, share in zip(
                    table["labels"], table["counts"], statuses, table["shares"],
                    strict=True)]
        notes = [] if table["cells_sum_to_total"] else [
            _("Several answers could be chosen, so the shares may add up to more than 100%.")]
        if table.get("summary_withheld"):
            notes.append(_("The summary is withheld because a small group would show in it."))
        if kind == "likert_summary" and table.get("agree_share") is not None:
            notes.append(_("The share who agree counts the %(base)s respondents who chose a "
                           "point on the scale; the table counts everyone who answered, "
                           "“Don't know” included.", base=format_decimal(table["base"])))
            notes.append(_("The interval says how precise that share is: of 100 surveys of "
                           "this size, about 95 would give an interval worked out this way "
                           "that holds the share among everyone."))
        return DisplayTable(_("Answers of %(n)s respondents", n=format_decimal(table["total"])),
                            [_("Answer"), _("Respondents"), _("Share")], rows, notes)
    if kind == "crosstab":
        by = published["by"]
        header = ([localize(definition.question(by).text, language)]
                  + [label(c) for c in table["column_labels"]] + [_("Total")])
        rows = []
        status = table.get("status") or [[SHOWN] * len(table["column_labels"])
                                         for _row in table["row_labels"]]
        for row_label, counts, statuses, shares, total in zip(
                table["row_labels"], table["counts"], status, table["row_shares"],
                table["row_totals"], strict=True):
            cells = [Cell(option_label(definition, by, row_label, language))]
            for count, status, share in zip(counts, statuses, shares, strict=True):
                cell = _count_cell(count, status, table.get("k"))
                if not cell.withheld:
                    cell = Cell(f"{cell.text} ({_percent(share)})", count)
                cells.append(cell)
            cells.append(Cell(format_decimal(total), total))
            rows.append(cells)
        return DisplayTable(_("Respondents by both questions (share within the row)"),
                            header, rows)
    if kind == "numeric_summary":
        interval = table["interval"]
        figures = [
            (_("Respondents"), table["total"]), (_("Median"), table["median"]),
            (_("First quartile"), table["q1"]), (_("Third quartile"), table["q3"]),
            (_("Mean"), table["mean"]),
        ]
        rows = [[Cell(name), Cell(figure_text(value), value)] for name, value in figures]
        if interval:
            rows.append([Cell(_("Interval of the mean (95%)")),
                         Cell(f"{figure_text(interval[0])} – {figure_text(interval[1])}")])
        return DisplayTable(_("Summary"), [_("Figure"), _("Value")], rows)
    rows = [[Cell(label(item)), Cell(figure_text(rank), rank), Cell(figure_text(score), score),
             Cell(format_decimal(ranked), ranked)]
            for item, rank, score, ranked in zip(
                table["labels"], table["mean_rank"], table["borda_average"], table["ranked_by"],
                strict=True)]
    return DisplayTable(_("Items by Borda score"),
                        [_("Item"), _("Mean place"), _("Borda score"), _("Respondents")], rows,
                        [_("Borda score: whoever puts an item first of %(m)d gives it %(top)d "
                           "points, second %(second)d, and so on down to 0 for the last place; "
                           "the table shows the average over everyone who ranked the items.",
                           m=len(table["labels"]), top=len(table["labels"]) - 1,
                           second=len(table["labels"]) - 2)])


def figure_text(value) -> str:
    """A figure as the table shows it: rounded to two decimals, in the page's language."""
    if value is None:
        return "–"
    return format_decimal(round(value, 2))


def summary_sentence(published: dict[str, Any], definition: SurveyDefinition,
                     language: str) -> str:
    """One plain-language sentence saying what the finding shows."""
    table = published["table"]
    kind = table["type"]
    question = published["question_id"]
    n = format_decimal(published["n"])
    if kind == "likert_summary" and table.get("agree_share") is not None:
        low, high = table["interval"]
        return _("%(share)s of %(n)s respondents agree (95%% interval %(low)s to %(high)s).",
                 share=_percent(table["agree_share"]), n=format_decimal(table["base"]),
                 low=_percent(low), high=_percent(high))
    if kind in ("distribution", "likert_summary"):
        # Withheld cells count at most as much as the largest shown non-zero one; with none
        # shown, no answer can be named the most frequent (a shown 0% would be false).
        shown = [(share, option) for option, share in zip(table["labels"], table["shares"],
                                                          strict=True) if share]
        if not shown:
            return _("The summary is withheld because a small group would show in it.")
        share, option = max(shown)
        return _("The most frequent answer of %(n)s respondents is “%(answer)s” (%(share)s).",
                 n=n, answer=option_label(definition, question, option, language),
                 share=_percent(share))
    if kind == "crosstab":
        return _("How %(n)s respondents answered, broken down by “%(by)s”.", n=n,
                 by=localize(definition.question(published["by"]).text, language))
    if kind == "numeric_summary":
        return _("Half of %(n)s respondents answered %(median)s or less; the middle half "
                 "lies between %(q1)s and %(q3)s.", n=n, median=figure_text(table["median"]),
                 q1=figure_text(table["q1"]), q3=figure_text(table["q3"]))
    first = table["labels"][0]
    return _("Across %(n)s respondents, “%(item)s” ranks highest (Borda score).",
             n=n, item=option_label(definition, question, first, language))


def method_text(method_code: str, settings: dict[str, Any] | None = None) -> str:
    """The method, translated; with a release's settings, and how its figures are protected
    (the method and its parameters)."""
    text = str(METHODS.get(method_code, method_code))
    if settings and settings.get("rounding_base"):
        text += " " + protection_method(settings)
    return text


def protection_sentence(settings: dict[str, Any]) -> str:
    """One plain sentence saying how a release's figures are protected."""
    base = settings.get("rounding_base")
    if not base:  # releases published before counts were rounded
        return _("Counts of fewer than %(k)d respondents are shown as “fewer than %(k)d”; "
                 "other cells are withheld where totals would reveal them.", k=settings["k"])
    return _("All counts are rounded to multiples of %(base)d (0 stands for 0 to %(low)d), "
             "and shares and totals are computed from the rounded counts, so they may differ "
             "a little from the exact figures.", base=base, low=base - 1 - base // 2)


def protection_method(settings: dict[str, Any]) -> str:
    """The protection as part of the method text: the method and its parameters."""
    return _("Disclosure control: conventional rounding of every count to base %(base)d (a "
             "half rounds up); totals of single answers are the sums of the rounded counts; "
             "shares, intervals, mean places and Borda scores are computed from the rounded "
             "figures; medians, quartiles, means and standard deviations are rounded to two "
             "decimals. Before a release is stored, an interval audit (linear programming "
             "over all its tables and those of every earlier release together) checks that "
             "no count of 1 to %(small)d respondents, and no difference of 1 to %(small)d new "
             "respondents from any earlier release, can be worked out (k = %(k)d); a finding "
             "that fails is withheld from the release.", base=settings["rounding_base"],
             small=settings["k"] - 1,
             k=settings["k"])


def shown_count(count: int, settings: dict[str, Any]) -> int:
    """A release's count of responses as published (rounded where its counts are)."""
    base = settings.get("rounding_base")
    return round_count(count, base) if base else count


def protection_document(settings: dict[str, Any], languages=("de", "en")) -> dict[str, Any]:
    """How a release's figures are protected, for the API: parameters and, in each
    language, the plain sentence and the method."""
    document = {"method": "rounding" if settings.get("rounding_base") else "suppression",
                "k": settings["k"], "rounding_base": settings.get("rounding_base"),
                "statement": {}, "method_text": {}}
    for language in languages:
        with force_locale(language):
            document["statement"][language] = protection_sentence(settings)
            document["method_text"][language] = (protection_method(settings)
                                                  if settings.get("rounding_base") else None)
    return document
