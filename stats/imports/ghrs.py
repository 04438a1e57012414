"""github-repo-stats data branches (`ghrs-data/` of one repository): a folder, a zip, or loose files.

- `views_clones_aggregate.csv` (time_iso8601,clones_total,clones_unique,views_total,views_unique): one row
  per UTC day ghrs knew; each is a known day (an empty value is a count GitHub omitted: zero).
- `snapshots/<YYYY-MM-DD_HHMMSS>_views_clones_series_fragment.csv`: one raw fetch, a full window: the
  days of GitHub's window on that (UTC) day without a row are real zeros, as in a collection.
- `snapshots/…_top_referrers_snapshot.csv` (referrer,views_total,views_unique) and
  `…_top_paths_snapshot.csv` (url_path,views_total,views_unique): top-10 snapshots dated by the file
  name (the last of a day wins, as in collection).
- `stars.csv` / `forks.csv` (time_iso8601,stars_cumulative / forks_cumulative): cumulative counts by
  event time; the day's last value is that day's figure (only when both files are there).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from datetime import date
from pathlib import Path, PurePosixPath
from typing import IO

from stats.collection.services import Counts, daily_window
from stats.imports.history import RepositoryHistory, SnapshotRow, SourceError
from stats.imports.parsing import count_of, csv_rows, day_of

AGGREGATE = "views_clones_aggregate.csv"
SERIES_COLUMNS = ("time_iso8601", "clones_total", "clones_unique", "views_total", "views_unique")
SNAPSHOT = re.compile(
    r"^(?P<day>\d{4}-\d{2}-\d{2})_(?P<time>\d{6})_"
    r"(?P<kind>views_clones_series_fragment|top_referrers_snapshot|top_paths_snapshot)\.csv$"
)
KNOWN = {AGGREGATE, "stars.csv", "forks.csv"}

# Upload limits (a zip is read in memory): enough for years of daily snapshots.
MAX_FILES = 20_000
MAX_TOTAL_BYTES = 200 * 1024 * 1024


def files_from_folder(path: Path) -> dict[str, bytes]:
    """The files of a `ghrs-data` folder, or of the `ghrs-data` inside `path`, by relative name."""
    root = path / "ghrs-data" if (path / "ghrs-data").is_dir() else path
    if not root.is_dir():
        raise SourceError(str(path), None, "no such folder" if not path.exists() else "not a folder")
    files = {AGGREGATE: root / AGGREGATE, "stars.csv": root / "stars.csv", "forks.csv": root / "forks.csv"}
    found = {name: file.read_bytes() for name, file in files.items() if file.is_file()}
    snapshots = root / "snapshots"
    if snapshots.is_dir():
        for file in sorted(snapshots.iterdir()):
            if SNAPSHOT.match(file.name) and file.is_file():
                found[f"snapshots/{file.name}"] = file.read_bytes()
    if not found:
        raise SourceError(str(root), None, f"not a github-repo-stats data folder (no {AGGREGATE} nor snapshots/)")
    return found


def files_from_zip(stream: IO[bytes], where: str) -> dict[str, bytes]:
    """The ghrs files of a zip (any folder prefix, e.g. `ghrs-data/` or `<repo>/ghrs-data/`)."""
    try:
        archive = zipfile.ZipFile(stream)
    except zipfile.BadZipFile:
        raise SourceError(where, None, "not a zip file") from None
    with archive:
        entries = [info for info in archive.infolist() if not info.is_dir()]
        if len(entries) > MAX_FILES or sum(info.file_size for info in entries) > MAX_TOTAL_BYTES:
            raise SourceError(where, None, "too large: at most 20,000 files and 200 MB uncompressed")
        found: dict[str, bytes] = {}
        for info in entries:
            name = files_key(info.filename)
            if name is not None:
                found[name] = archive.read(info)
    if not found:
        raise SourceError(where, None, f"no github-repo-stats files inside ({AGGREGATE}, snapshots/…)")
    return found


def files_key(filename: str) -> str | None:
    """The relative name a ghrs file goes by, or None for a file that is not one."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    if name in KNOWN:
        return name
    if SNAPSHOT.match(name):
        return f"snapshots/{name}"
    return None


def parse(files: Mapping[str, bytes], *, prefix: str = "ghrs-data/") -> RepositoryHistory:
    history = RepositoryHistory()
    if AGGREGATE in files:
        where = prefix + AGGREGATE
        for line, row in csv_rows(where, files[AGGREGATE], SERIES_COLUMNS):
            history.day_add(day_of(where, line, "time_iso8601", row["time_iso8601"]), _counts(where, line, row))
    latest_snapshot: dict[tuple[str, date], str] = {}
    for name in sorted(files):
        match = SNAPSHOT.match(name.removeprefix("snapshots/"))
        if match is None:
            continue
        where = prefix + name
        fetched_on = day_of(where, None, "file name", match["day"])
        if match["kind"] == "views_clones_series_fragment":
            _fragment_add(history, where, files[name], fetched_on)
        else:
            latest_snapshot[(match["kind"], fetched_on)] = name  # sorted: the day's last fetch wins
    for (kind, day), name in latest_snapshot.items():
        key = "referrer" if kind == "top_referrers_snapshot" else "url_path"
        rows = [
            SnapshotRow(key=row[key][:1000], count=count_of(prefix + name, line, "views_total", row["views_total"]),
                        uniques=count_of(prefix + name, line, "views_unique", row["views_unique"]))
            for line, row in csv_rows(prefix + name, files[name], (key, "views_total", "views_unique"))
        ]
        (history.referrers if key == "referrer" else history.paths)[day] = rows
    stars = _cumulative(files, prefix, "stars")
    forks = _cumulative(files, prefix, "forks")
    if stars is not None and forks is not None:
        history.metrics = _metrics(stars, forks)
    return history


def _counts(where: str, line: int, row: Mapping[str, str]) -> Counts:
    def value(column: str) -> int:
        return count_of(where, line, column, row[column], empty_is_zero=True)

    return Counts(views=value("views_total"), unique_views=value("views_unique"), clones=value("clones_total"),
                  unique_clones=value("clones_unique"))


def _fragment_add(history: RepositoryHistory, where: str, data: bytes, fetched_on: date) -> None:
    window = daily_window(fetched_on)
    counts = {day: Counts() for day in window}
    for line, row in csv_rows(where, data, SERIES_COLUMNS):
        day = day_of(where, line, "time_iso8601", row["time_iso8601"])
        if day not in counts:
            raise SourceError(where, line, f"{day} lies outside GitHub's window of a fetch on {fetched_on} "
                                           f"({window[0]} to {window[-1]})")
        counts[day] = counts[day].max(_counts(where, line, row))
    for day, value in counts.items():
        history.day_add(day, value)


def _cumulative(files: Mapping[str, bytes], prefix: str, what: str) -> dict[date, int] | None:
    name = f"{what}.csv"
    if name not in files:
        return None
    where, column = prefix + name, f"{what}_cumulative"
    rows = sorted(
        ((day_of(where, line, "time_iso8601", row["time_iso8601"]), line, count_of(where, line, column, row[column]))
         for line, row in csv_rows(where, files[name], ("time_iso8601", column))),
    )
    return {day: value for day, _, value in rows}  # by time: the day's last value stays


def _metrics(stars: dict[date, int], forks: dict[date, int]) -> dict[date, tuple[int, int]]:
    """(stars, forks) on each day either file lists: a cumulative count holds until its next event."""
    metrics, star, fork = {}, 0, 0
    for day in sorted({*stars, *forks}):
        star, fork = stars.get(day, star), forks.get(day, fork)
        metrics[day] = (star, fork)
    return metrics
