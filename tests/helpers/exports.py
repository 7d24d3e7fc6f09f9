"""Helpers for the export tests: a survey with two quasi-identifiers (one an ordered band),
stored responses, and every export format read back into one comparable form."""

import copy
import json
import secrets
import zipfile
from datetime import date

import numpy as np
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pyreadstat

from survey.database import write_transaction
from survey.extensions import db
from survey.models import Response
from survey.surveys import find_survey, newest_version
from tests.helpers.factories import BASE

SLUG = "test-survey"
FORMATS = ("csv", "jsonl", "parquet", "xlsx", "sav")

# The factory survey with an "other" country (its free text is a quasi-identifier's and
# never exported) and an age band (ordered: its labels carry numbers) as quasi-identifiers.
PAGES = copy.deepcopy(BASE["pages"])
_first = PAGES[0]["questions"]
_first[3]["other"] = True
_first[3]["options"].append({"id": "ch", "label": {"de": "Schweiz", "en": "Switzerland"}})
_first.insert(4, {"id": "age_band", "type": "single_choice",
                  "text": {"de": "Alter", "en": "Age"},
                  "options": [{"id": "a18_29", "label": "18–29"},
                              {"id": "a30_44", "label": "30–44"},
                              {"id": "a45_64", "label": "45–64"},
                              {"id": "a65_plus", "label": {"de": "65 oder älter",
                                                           "en": "65 or older"}}]})
QUASI_IDENTIFIERS = ["country", "age_band"]
DOCUMENT = {"pages": PAGES, "quasi_identifiers": QUASI_IDENTIFIERS}

ANSWERS = {
    "consent": True, "networks": ["xing", "linkedin", "other"], "networks.other": "Mastodon",
    "primary": "linkedin", "country": "de", "age_band": "a30_44",
    "activity": {"xing": "daily", "linkedin": "rarely", "other": "daily"}, "agree": "yes",
    "weekly": 7, "share": 12.5, "future": ["linkedin", "xing", "facebook"],
    "comment": "Interesting.",
}


def make_export_survey(make_survey):
    """Store the export test survey; returns its Survey row."""
    make_survey(**DOCUMENT)
    return find_survey(SLUG)


def store_responses(survey, answer_sets, *, demo=False, day: date | None = None) -> None:
    """Store answer sets as responses of the survey's current version."""
    version = newest_version(survey)
    day = day or date(2024, 3, 17)
    with write_transaction():
        db.session.add_all(
            Response(survey_version_id=version.id, submission_key=secrets.token_hex(16),
                     language="en", submitted_on=day, answers=answers, is_demo=demo)
            for answers in answer_sets)


def random_answers(rng: np.random.Generator, free_text: str = "") -> dict:
    """One plausible answer set of the export test survey."""
    answers = {"consent": True}
    networks = [n for n in ("xing", "linkedin") if rng.random() < 0.6] or ["none"]
    if networks != ["none"] and rng.random() < 0.2:
        networks.append("other")
        answers["networks.other"] = free_text or "Mastodon"
    answers["networks"] = networks
    if rng.random() < 0.9:
        answers["primary"] = ["xing", "linkedin"][rng.integers(2)]
    if rng.random() < 0.9:
        answers["country"] = ["de", "de", "de", "at", "ch", "other"][rng.integers(6)]
        if answers["country"] == "other":
            answers["country.other"] = "Liechtenstein"
    if rng.random() < 0.85:
        answers["age_band"] = ["a18_29", "a30_44", "a45_64", "a65_plus"][rng.integers(4)]
    answers["activity"] = {row: ["daily", "rarely"][rng.integers(2)] for row in networks}
    answers["agree"] = ["no", "partly", "yes", "dont_know"][rng.integers(4)]
    if "xing" in networks:
        answers["weekly"] = int(rng.integers(0, 500))
    answers["future"] = list(rng.permutation(["xing", "linkedin", "facebook"]))
    if answers["agree"] in ("yes", "partly") and free_text:
        answers["comment"] = free_text
    return answers


def read_back(fmt: str, path, codebook: dict) -> pd.DataFrame:
    """An export file as a DataFrame of plain values: option ids as strings, numbers as
    floats, None where empty."""
    if fmt == "csv":
        frame = pd.read_csv(path, dtype=object, keep_default_na=False)
        frame = frame.replace({"": None})
    elif fmt == "jsonl":
        frame = pd.read_json(path, lines=True, dtype=False) if path.stat().st_size \
            else pd.DataFrame(columns=[c["name"] for c in codebook["columns"]])
    elif fmt == "parquet":
        frame = pd.read_parquet(path)
    elif fmt == "xlsx":
        workbook = openpyxl.load_workbook(path, read_only=True)
        rows = list(workbook["data"].iter_rows(values_only=True))
        workbook.close()
        width = len(rows[0])  # a row read back ends at its last filled cell
        frame = pd.DataFrame([row + (None,) * (width - len(row)) for row in rows[1:]],
                             columns=rows[0], dtype=object)
    else:
        frame, _meta = pyreadstat.read_sav(path)
        frame = frame.replace({"": None})
        for column in codebook["columns"]:
            if column.get("values"):  # SPSS codes → the codebook's option ids
                codes = [v["code"] for v in column["values"]]
                frame[column["name"]] = [None if pd.isna(v) else codes[int(v) - 1]
                                         for v in frame[column["name"]]]
    return normalized(frame, codebook)


def normalized(frame: pd.DataFrame, codebook: dict) -> pd.DataFrame:
    types = {c["name"]: c["type"] for c in codebook["columns"]}
    result = {}
    for name in frame.columns:
        values = frame[name].astype(object).tolist()
        if types[name] in ("integer", "number", "binary"):
            result[name] = [None if _missing(v) else float(v) for v in values]
        else:
            result[name] = [None if _missing(v) else str(v) for v in values]
    return pd.DataFrame(result, dtype=object)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA


def sorted_rows(frame: pd.DataFrame) -> list[tuple]:
    """The rows without respondent_id, in a fixed order."""
    rows = frame.drop(columns="respondent_id").itertuples(index=False, name=None)
    return sorted(rows, key=lambda row: json.dumps(row, default=str))


def output_text(result) -> str:
    """Everything an export wrote, as text to search for planted strings: every file's
    bytes, the members of a zipped XLSX, and the values of Parquet and SPSS files."""
    parts = []
    for path in result.paths:
        data = path.read_bytes()
        parts.append(data.decode("utf-8", errors="replace"))
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as archive:
                parts += [archive.read(n).decode("utf-8", errors="replace")
                          for n in archive.namelist()]
        elif path.suffix == ".parquet":
            parts.append(pd.read_parquet(path).to_csv())
            parts.append(str(pq.read_metadata(path).metadata))
        elif path.suffix == ".sav":
            frame, meta = pyreadstat.read_sav(path)
            parts += [frame.to_csv(), json.dumps(meta.column_names_to_labels),
                      json.dumps(meta.variable_value_labels, default=str)]
    return "\n".join(parts)
