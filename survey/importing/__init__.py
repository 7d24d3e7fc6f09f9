"""Surveys from other tools (XLSForm, LimeSurvey) made Resonanz definitions, with a report."""

from survey.importing.report import ImportRefused, ImportReport
from survey.importing.service import ImportResult, import_file

__all__ = ["ImportRefused", "ImportReport", "ImportResult", "import_file"]
