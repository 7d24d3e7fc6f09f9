"""The import report: what became of every question and condition of the source."""

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

Outcome = Literal["mapped", "approximated", "left_out"]
ConditionOutcome = Literal["translated", "left_out"]


class ImportRefused(ValueError):
    """A file that cannot be imported; the message is one line for the admin."""


@dataclass(frozen=True)
class QuestionEntry:
    """One question of the source: mapped (to which type), approximated (how), left out (why)."""

    source: str
    source_type: str
    outcome: Outcome
    detail: str
    ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConditionEntry:
    """One condition of the source: translated, or left out (why)."""

    source: str
    expression: str
    outcome: ConditionOutcome
    detail: str


@dataclass
class ImportReport:
    """Everything an admin should know about one import."""

    source_format: str
    questions: list[QuestionEntry] = field(default_factory=list)
    conditions: list[ConditionEntry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def question(self, source: str, source_type: str, outcome: Outcome, detail: str,
                 ids=()) -> None:
        """Record what became of one source question."""
        self.questions.append(QuestionEntry(source, source_type, outcome, detail, tuple(ids)))

    def condition(self, source: str, expression: str, outcome: ConditionOutcome,
                  detail: str) -> None:
        """Record what became of one source condition."""
        self.conditions.append(ConditionEntry(source, expression, outcome, detail))

    def counts(self) -> dict[str, int]:
        """How many source questions were mapped, approximated and left out."""
        counted = Counter(entry.outcome for entry in self.questions)
        return {outcome: counted.get(outcome, 0)
                for outcome in ("mapped", "approximated", "left_out")}

    def condition_counts(self) -> dict[str, int]:
        """How many source conditions were translated and left out."""
        counted = Counter(entry.outcome for entry in self.conditions)
        return {outcome: counted.get(outcome, 0) for outcome in ("translated", "left_out")}

    def as_dict(self) -> dict:
        """The report as plain data (for JSON and templates)."""
        return {"format": self.source_format, "counts": self.counts(),
                "condition_counts": self.condition_counts(), "notes": list(self.notes),
                "questions": [entry.__dict__ for entry in self.questions],
                "conditions": [entry.__dict__ for entry in self.conditions]}

    def lines(self) -> list[str]:
        """The report as text, one line per question, condition and note."""
        counts = self.counts()
        conditions = self.condition_counts()
        lines = [f"import report ({self.source_format}): {counts['mapped']} mapped, "
                 f"{counts['approximated']} approximated, {counts['left_out']} left out; "
                 f"conditions: {conditions['translated']} translated, "
                 f"{conditions['left_out']} left out"]
        for entry in self.questions:
            label = entry.outcome.replace("_", " ")
            target = f" -> {', '.join(entry.ids)}" if entry.ids else ""
            lines.append(f"  {label:<12} {entry.source} ({entry.source_type}){target}: "
                         f"{entry.detail}")
        for entry in self.conditions:
            label = "translated" if entry.outcome == "translated" else "left out"
            lines.append(f"  condition {label}: {entry.source}: {entry.expression!s}"
                         f" ({entry.detail})")
        lines += [f"  note: {note}" for note in self.notes]
        return lines
