"""Free text scrubbing: what could identify someone is replaced by a placeholder.

Applied in this order (each on what the earlier ones left): e-mail addresses, URLs and
bare domain names, IBAN-like account numbers, phone numbers (seven digits or more, with
the usual separators; dates written with digits are caught too, which errs on the safe
side), @handles, and the display names and e-mail addresses of the site's own accounts.
Runs on Arrow string arrays with RE2 (`pyarrow.compute`), so a million answers take
seconds.
"""

import re
from collections import Counter
from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc

_URL_END = r"[^\s<>\"'.,;:!?()\[\]]"  # a URL does not end in punctuation
PATTERNS: tuple[tuple[str, str, str], ...] = (
    ("email", r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+", "[email]"),
    ("url", r"(?i)\b(?:https?://|ftp://|www\.)[^\s<>\"']*" + _URL_END, "[url]"),
    ("url", r"(?i)\b[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*\.[a-z]{2,24}\b"
            r"(?:/(?:[^\s<>\"']*" + _URL_END + ")?)?", "[url]"),
    ("iban", r"(?i)\b[a-z]{2}[0-9]{2}(?:[ ]?[a-z0-9]{4}){2,7}(?:[ ]?[a-z0-9]{1,4})?\b", "[iban]"),
    ("phone", r"(?:\+|\b00|\()?[0-9](?:[ /().\-]{0,2}[0-9]){6,}", "[phone]"),
    ("handle", r"(^|[^A-Za-z0-9_.@\[])@[A-Za-z0-9_][A-Za-z0-9_.]{0,28}[A-Za-z0-9_]", r"\1[handle]"),
)
NAME_PLACEHOLDER = "[name]"
_NAMES_PER_PATTERN = 400
_SHORTEST_NAME = 3


def name_patterns(names: Iterable[str]) -> list[str]:
    """Case-insensitive whole-word patterns for account names and addresses."""
    unique = sorted({n.strip() for n in names if n and len(n.strip()) >= _SHORTEST_NAME},
                    key=lambda n: (-len(n), n))
    patterns = []
    for start in range(0, len(unique), _NAMES_PER_PATTERN):
        alternatives = "|".join(re.escape(n) for n in unique[start:start + _NAMES_PER_PATTERN])
        patterns.append(rf"(?i)(?:^|\b){'(?:' + alternatives + ')'}(?:\b|$)")
    return patterns


class Scrubber:
    """Scrubs Arrow string arrays and counts what it replaced."""

    def __init__(self, account_names: Iterable[str] = ()):
        self.rules = [(kind, pattern, placeholder) for kind, pattern, placeholder in PATTERNS]
        self.rules += [("name", p, NAME_PLACEHOLDER) for p in name_patterns(account_names)]
        self.replaced: Counter = Counter()

    def scrub(self, values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
        """The values with every match replaced by its placeholder."""
        for kind, pattern, placeholder in self.rules:
            found = pc.sum(pc.count_substring_regex(values, pattern)).as_py() or 0
            if found:
                self.replaced[kind] += found
                values = pc.replace_substring_regex(values, pattern, placeholder)
        return values


def scrub_text(value: str, account_names: Iterable[str] = ()) -> str:
    """One string scrubbed (for tests and single values)."""
    return Scrubber(account_names).scrub(pa.array([value], pa.string()))[0].as_py()
