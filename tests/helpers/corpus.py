"""Where the shared corpus of real XLSForm and LimeSurvey files is, if anywhere.

RESONANZ_CORPUS_DIR, else `<repo>/../shared/corpus`, else /work/shared/corpus. Tests that
need it skip when it is absent, and fail instead with RESONANZ_REQUIRE_CORPUS=1 (CI)."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CANDIDATES = [Path(os.environ["RESONANZ_CORPUS_DIR"])] if os.environ.get(
    "RESONANZ_CORPUS_DIR") else [ROOT.parent / "shared" / "corpus",
                                 Path("/work/shared/corpus")]
CORPUS = next((path for path in CANDIDATES if (path / "MANIFEST.tsv").is_file()), None)
SUFFIXES = (".xlsx", ".xls", ".xlsm", ".csv", ".md", ".lss", ".lsa", ".lsq")


def corpus_files() -> list[Path]:
    """Every survey file of the corpus, or [] when it is absent."""
    if CORPUS is None:
        return []
    return sorted(path for folder in ("xlsform", "lss") for path in (CORPUS / folder).iterdir()
                  if path.suffix.lower() in SUFFIXES)


def corpus_file(name: str) -> Path:
    """One corpus file by name; skips (or fails, where required) without the corpus."""
    require_corpus()
    matches = [path for path in corpus_files() if path.name == name]
    assert matches, f"{name} is not in the corpus at {CORPUS}"
    return matches[0]


def require_corpus() -> None:
    """Skip without the corpus, or fail when RESONANZ_REQUIRE_CORPUS=1."""
    if CORPUS is not None:
        return
    message = f"the corpus is absent (looked in {', '.join(map(str, CANDIDATES))})"
    if os.environ.get("RESONANZ_REQUIRE_CORPUS") == "1":
        pytest.fail(f"RESONANZ_REQUIRE_CORPUS=1 but {message}", pytrace=False)
    pytest.skip(message)
