"""Checks before a file from elsewhere is parsed: size, kind, ZIP bombs, XML entities."""

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from survey.importing.report import ImportRefused

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_ZIP_MEMBERS = 2000
MAX_COMPRESSION_RATIO = 200

XLSFORM_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".md")
LIMESURVEY_SUFFIXES = (".lss", ".lsa", ".lsq")
YAML_SUFFIXES = (".yaml", ".yml")
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Upload:
    """A file to import: its name (for the suffix and messages) and its bytes."""

    name: str
    data: bytes

    @property
    def suffix(self) -> str:
        return PurePath(self.name).suffix.lower()


def check_size(upload: Upload) -> None:
    """Refuse empty and too large files."""
    refuse_large(len(upload.data))
    if not upload.data.strip():
        raise ImportRefused("the file is empty")


def refuse_large(size: int) -> None:
    """Refuse a file of more than MAX_FILE_BYTES, before or after reading it."""
    if size > MAX_FILE_BYTES:
        raise ImportRefused(f"the file is {size / 1e6:.1f} MB; at most "
                            f"{MAX_FILE_BYTES // (1024 * 1024)} MB can be imported")


def kind_of(upload: Upload) -> str:
    """"xlsform", "limesurvey" or "yaml", from the suffix, checked against the content."""
    suffix, head = upload.suffix, upload.data[:8]
    if suffix in (".xlsx", ".xlsm", ".lsa") and not head.startswith(ZIP_MAGIC):
        raise ImportRefused(f"the file is not a {suffix} file (it is no ZIP archive)")
    if suffix == ".xls" and not head.startswith(OLE2_MAGIC):
        raise ImportRefused("the file is not an .xls spreadsheet")
    if suffix in XLSFORM_SUFFIXES:
        return "xlsform"
    if suffix in LIMESURVEY_SUFFIXES:
        return "limesurvey"
    if suffix in YAML_SUFFIXES:
        return "yaml"
    raise ImportRefused(f"cannot import {suffix or 'a file without a suffix'}: give an XLSForm "
                        "(.xlsx, .xls, .xlsm, .csv, .md), a LimeSurvey file (.lss, .lsa) or "
                        "a definition (.yaml)")


def open_zip(data: bytes) -> zipfile.ZipFile:
    """A ZIP archive whose members unpack to a bounded size, or ImportRefused.

    The sizes are those the archive declares; zipfile stops reading a member at its declared
    size (and fails its CRC check), so a member cannot unpack to more than it says."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise ImportRefused(f"the file is a damaged ZIP archive ({error})") from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise ImportRefused(f"the archive holds {len(members)} files; refused as a ZIP bomb")
    total = sum(member.file_size for member in members)
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > MAX_COMPRESSION_RATIO and member.file_size > 1024 * 1024:
            raise ImportRefused(f"{member.filename!r} in the archive would unpack "
                                f"{ratio:.0f} times larger; refused as a ZIP bomb")
    if total > MAX_UNPACKED_BYTES:
        raise ImportRefused(f"the archive would unpack to {total / 1e6:.0f} MB; refused as "
                            "a ZIP bomb")
    return archive


def read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    """One member of a checked archive."""
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError) as error:
        raise ImportRefused(f"cannot read {name!r} from the archive ({error})") from None


def parse_xml(data: bytes):
    """The root element of an XML document without DTDs, entities or external references."""
    try:
        return SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise ImportRefused("the XML declares a DTD or entities, which are refused "
                            "(an entity expansion attack, or an unsafe file)") from None
    except SafeET.ParseError as error:
        raise ImportRefused(f"the file is not well-formed XML ({error})") from None
