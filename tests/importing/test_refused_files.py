"""Files that must be refused: one `error:` line, a non-zero exit, nothing stored."""

import io
import zipfile

import pytest
from sqlalchemy import func, select

from survey.extensions import db
from survey.importing import ImportRefused, import_file
from survey.models import Survey, SurveyVersion
from tests.helpers.imports import XLSFORM_MD

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE document [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<document><LimeSurveyDocType>&lol9;</LimeSurveyDocType></document>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<document><LimeSurveyDocType>&secret;</LimeSurveyDocType></document>
"""


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _zip_bomb() -> bytes:
    """An .xlsx whose sheet unpacks to 60 MB of zeros from some 60 kB."""
    return _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
                 "xl/worksheets/sheet1.xml": bytes(60 * 1024 * 1024)})


CASES = {
    "bomb.xlsx": (_zip_bomb, "refused as a ZIP bomb"),
    "bomb.lss": (lambda: BILLION_LAUGHS, "the XML declares a DTD or entities"),
    "external.lss": (lambda: EXTERNAL_ENTITY, "the XML declares a DTD or entities"),
    "huge.xlsx": (lambda: b"PK\x03\x04" + bytes(50 * 1024 * 1024), "the file is 52.4 MB; "
                  "at most 10 MB"),
    "empty.xlsx": (lambda: b"", "the file is empty"),
    "blank.lss": (lambda: b"  \n", "the file is empty"),
    "picture.xlsx": (lambda: PNG, "the file is not a .xlsx file (it is no ZIP archive)"),
    "picture.xls": (lambda: PNG, "the file is not an .xls spreadsheet"),
    "picture.png": (lambda: PNG, "cannot import .png"),
    "notaworkbook.xlsx": (lambda: _zip({"hello.txt": b"hi"}), "cannot read the file as "
                          "XLSForm"),
    "broken.xlsx": (lambda: _zip({"x": b"y"})[:40], "the file is a damaged ZIP archive"),
    "truncated.lss": (lambda: b"<document><LimeSurveyDocType>Survey", "not well-formed XML"),
    "other.lss": (lambda: b"<html><body>hi</body></html>", "not a LimeSurvey export"),
    "noarchive.lsa": (lambda: _zip({"readme.txt": b"x"}), "holds no survey_<id>.lss"),
    "nonsense.csv": (lambda: b"\x00\x01\x02garbage", "it is no .csv that pyxform can read"),
    "notes.md": (lambda: b"# just a heading\n\nsome text\n", "it is no .md that pyxform"),
    "latin1.yaml": (lambda: "slug: ä".encode("latin-1"), "the file is not UTF-8 text"),
}


@pytest.mark.parametrize("name", CASES)
def test_a_bad_file_is_refused_with_one_error_line_and_nothing_stored(app, tmp_path, name):
    make, message = CASES[name]
    path = tmp_path / name
    path.write_bytes(make())
    result = app.test_cli_runner().invoke(args=["survey", "import", str(path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output + result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: {path}: ") and message in line, line
    assert result.stdout == ""
    db.session.remove()
    assert db.session.scalar(select(func.count(Survey.id))) == 0
    assert db.session.scalar(select(func.count(SurveyVersion.id))) == 0


def test_a_missing_file_is_one_error_line(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["survey", "import", str(tmp_path / "no.xlsx")])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1


@pytest.fixture
def fruit_file(tmp_path):
    """The small XLSForm of tests.helpers.imports as a file."""
    path = tmp_path / "fruit.md"
    path.write_text(XLSFORM_MD)
    return path


def test_dry_run_prints_the_report_and_stores_nothing(app, fruit_file):
    path = fruit_file
    result = app.test_cli_runner().invoke(args=["survey", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.stderr
    assert "mapped       likes (select_one) -> likes: single_choice" in result.output
    assert result.output.rstrip().endswith("fruit-survey: dry run, nothing stored")
    db.session.remove()
    assert db.session.scalar(select(func.count(Survey.id))) == 0


def test_an_import_under_a_taken_slug_is_refused(app, fruit_file):
    path = fruit_file
    runner = app.test_cli_runner()
    assert runner.invoke(args=["survey", "import", str(path)]).exit_code == 0
    again = runner.invoke(args=["survey", "import", str(path)])
    assert again.exit_code == 1
    assert again.stderr.strip().endswith("a survey 'fruit-survey' exists already; choose "
                                         "another slug (--slug)")
    db.session.remove()
    assert db.session.scalar(select(func.count(SurveyVersion.id))) == 1


def test_survey_open_and_close_from_the_shell(app, fruit_file):
    path = fruit_file
    runner = app.test_cli_runner()
    runner.invoke(args=["survey", "import", str(path)])
    assert runner.invoke(args=["survey", "open", "fruit-survey"]).output == "fruit-survey: open\n"
    db.session.remove()
    assert db.session.scalar(select(Survey.is_open)) is True
    assert runner.invoke(args=["survey", "close", "fruit-survey"]).exit_code == 0
    db.session.remove()
    assert db.session.scalar(select(Survey.is_open)) is False
    missing = runner.invoke(args=["survey", "open", "nope"])
    assert missing.exit_code == 1 and missing.stderr == "error: there is no survey 'nope'\n"


def test_the_service_refuses_the_same_files_without_the_shell():
    with pytest.raises(ImportRefused, match="ZIP bomb"):
        import_file("bomb.xlsx", _zip_bomb())
