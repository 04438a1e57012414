"""What the parsers hand to the writer, and what the writer reports back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from stats.collection.services import Counts


class SourceError(ValueError):
    """A malformed source: names the file (or table) and line (or row); nothing gets imported."""

    def __init__(self, where: str, line: int | None, message: str, *, unit: str = "line") -> None:
        self.where, self.line, self.message = where, line, message
        if line is None:
            text = f"{where}: {message}"
        elif unit == "line":
            text = f"{where}:{line}: {message}"
        else:  # a database table's row
            text = f"{where}, {unit} {line}: {message}"
        super().__init__(text)


@dataclass(frozen=True)
class SnapshotRow:
    key: str  # the referrer, or the path
    count: int
    uniques: int
    title: str = ""


@dataclass
class RepositoryHistory:
    """One repository's history as a source tells it.

    - `days`: complete days the source knows (views and clones): stored rows, zeros included;
    - `one_sided`: days the source knows only views or only clones of: they can raise a stored row
      but never create one (the other side of the day is unknown);
    - `referrers` / `paths`: GitHub's 14-day top-10 snapshots by the day they were fetched;
    - `metrics`: (stars, forks) per day.
    """

    days: dict[date, Counts] = field(default_factory=dict)
    one_sided: dict[date, Counts] = field(default_factory=dict)
    referrers: dict[date, list[SnapshotRow]] = field(default_factory=dict)
    paths: dict[date, list[SnapshotRow]] = field(default_factory=dict)
    metrics: dict[date, tuple[int, int]] = field(default_factory=dict)

    def day_add(self, day: date, counts: Counts) -> None:
        self.days[day] = self.days[day].max(counts) if day in self.days else counts

    def one_sided_add(self, day: date, counts: Counts) -> None:
        self.one_sided[day] = self.one_sided[day].max(counts) if day in self.one_sided else counts


@dataclass
class Tally:
    imported: int = 0
    merged: int = 0
    skipped: int = 0

    def __str__(self) -> str:
        return f"{self.imported} imported, {self.merged} merged, {self.skipped} skipped"


# The kinds a report counts, in the order it prints them.
KINDS = {
    "tenants": "tenants",
    "repositories": "repositories followed",
    "days": "days of traffic",
    "referrers": "referrer snapshots",
    "paths": "path snapshots",
    "metrics": "days of stars and forks",
    "credentials": "GitHub tokens",
    "invitations": "invitations",
}


@dataclass
class ImportReport:
    tallies: dict[str, Tally] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def tally(self, kind: str) -> Tally:
        return self.tallies.setdefault(kind, Tally())

    def add(self, other: ImportReport) -> None:
        for kind, tally in other.tallies.items():
            mine = self.tally(kind)
            mine.imported += tally.imported
            mine.merged += tally.merged
            mine.skipped += tally.skipped
        self.notes.extend(other.notes)

    @property
    def changed(self) -> bool:
        return any(tally.imported or tally.merged for tally in self.tallies.values())

    def rows(self) -> list[tuple[str, Tally]]:
        return [(label, self.tallies[kind]) for kind, label in KINDS.items() if kind in self.tallies]

    def lines(self) -> list[str]:
        return [f"{label}: {tally}" for label, tally in self.rows()] + self.notes
