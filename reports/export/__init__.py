"""Anonymized exports: k-anonymous, scrubbed, with a codebook and a disclosure report."""

from reports.export.formats import FORMATS
from reports.export.service import TEXT_POLICIES, ExportError, ExportResult, run_export

__all__ = ["FORMATS", "TEXT_POLICIES", "ExportError", "ExportResult", "run_export"]
