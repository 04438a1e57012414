"""Release downloads: daily figures derived from GitHub's cumulative per-asset `download_count`.

GitHub only says how often an asset was downloaded in all. A collection stores that count per asset
and UTC day (ReleaseAssetDownloads); a day's downloads are its count less the asset's previous
observation:
- an asset's first observation has no daily figure (nothing to subtract from);
- after a gap of several days the whole difference is counted on the day it was observed (spreading
  it over the gap would invent a distribution GitHub never told us);
- a count lower than the previous one (the asset was replaced under the same id) starts a new series:
  that day has no figure, never a negative one;
- a deleted asset (or release) has no observations after its deletion: its series stops.
A bucket with no daily figure at all is unknown (null), never zero. Every selector takes `access`
and starts from `access.repositories()`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import OuterRef, Subquery

from repos.models import Repository
from stats.models import ReleaseAsset, ReleaseAssetDownloads
from stats.traffic.periods import Interval, bucket_start, bucket_starts
from tenants.access import TenantAccess


def daily_downloads(observations: Iterable[tuple[date, int]], *, before: int | None = None) -> dict[date, int]:
    """{day: downloads} from one asset's cumulative counts; `before`: its last count before these."""
    figures: dict[date, int] = {}
    previous = before
    for day, count in sorted(observations):
        if previous is not None and count >= previous:
            figures[day] = count - previous
        previous = count
    return figures


@dataclass
class AssetDownloads:
    asset_id: int  # GitHub's id
    name: str
    downloads: int | None  # in the range; None: no daily figure in it
    latest: int | None  # the last cumulative count observed up to the range's end
    deleted_on: date | None
    daily: dict[date, int] = field(default_factory=dict, repr=False)


@dataclass
class ReleaseDownloads:
    repo: str
    release_id: int
    tag: str
    name: str
    published_at: datetime | None
    prerelease: bool
    assets: list[AssetDownloads] = field(default_factory=list)

    @property
    def downloads(self) -> int | None:
        return _sum(asset.downloads for asset in self.assets)

    @property
    def latest(self) -> int | None:
        return _sum(asset.latest for asset in self.assets)


@dataclass(frozen=True)
class DownloadsPoint:
    date: date  # the bucket's first day
    downloads: int | None


@dataclass
class ReleaseReport:
    interval: Interval
    start: date
    end: date
    results: list[DownloadsPoint]
    releases: list[ReleaseDownloads]  # newest first

    @property
    def total(self) -> int | None:
        return _sum(release.downloads for release in self.releases)

    @property
    def latest_total(self) -> int | None:
        return _sum(release.latest for release in self.releases)

    @property
    def top_release(self) -> ReleaseDownloads | None:
        ranked = [release for release in self.releases if release.downloads]
        return max(ranked, key=lambda release: release.downloads or 0) if ranked else None

    def series_by_release(self, release: ReleaseDownloads) -> list[int | None]:
        return _bucketed([release.assets], self.results, self.interval)


def _sum(values: Iterable[int | None]) -> int | None:
    known = [value for value in values if value is not None]
    return sum(known) if known else None


def _bucketed(groups: Iterable[list[AssetDownloads]], points: list[DownloadsPoint], interval: Interval
              ) -> list[int | None]:
    sums: dict[date, int] = {}
    for assets in groups:
        for asset in assets:
            for day, figure in asset.daily.items():
                key = bucket_start(day, interval)
                sums[key] = sums.get(key, 0) + figure
    return [sums.get(point.date) for point in points]


def release_downloads(
    *, access: TenantAccess, start: date, end: date, interval: Interval = "day",
    repository: Repository | None = None,
) -> ReleaseReport:
    """Downloads per bucket of [start, end] and per release and asset, of one repository or of every
    repository `access` sees (an asset observed for the first time inside the range counts from its
    second observation)."""
    repositories = access.repositories()
    if repository is not None:
        repositories = repositories.filter(pk=repository.pk)
    before = (
        ReleaseAssetDownloads.objects.filter(asset=OuterRef("pk"), date__lt=start)
        .order_by("-date").values("download_count")[:1]
    )
    assets = list(
        ReleaseAsset.objects.filter(repository__in=repositories)
        .exclude(deleted_on__lte=start)  # gone before the range: nothing in it
        .select_related("repository")
        .annotate(before=Subquery(before))
        .order_by("-published_at", "-release_id", "name")
    )
    observed: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for asset_pk, day, count in ReleaseAssetDownloads.objects.filter(
        asset__in=[asset.pk for asset in assets], date__gte=start, date__lte=end
    ).values_list("asset_id", "date", "download_count"):
        observed[asset_pk].append((day, count))
    releases: dict[tuple[int, int], ReleaseDownloads] = {}
    for asset in assets:
        rows = observed.get(asset.pk, [])
        if not rows and asset.before is None:
            continue  # never observed up to the range's end
        daily = daily_downloads(rows, before=asset.before)
        key = (asset.repository_id, asset.release_id)
        if key not in releases:
            releases[key] = ReleaseDownloads(
                repo=asset.repository.full_name, release_id=asset.release_id, tag=asset.tag,
                name=asset.release_name or asset.tag, published_at=asset.published_at, prerelease=asset.prerelease,
            )
        latest = max(rows)[1] if rows else asset.before
        releases[key].assets.append(AssetDownloads(
            asset_id=asset.asset_id, name=asset.name, downloads=_sum(daily.values()), latest=latest,
            deleted_on=asset.deleted_on, daily=daily,
        ))
    buckets = [DownloadsPoint(bucket, None) for bucket in bucket_starts(start, end, interval)]
    values = _bucketed([release.assets for release in releases.values()], buckets, interval)
    points = [DownloadsPoint(point.date, value) for point, value in zip(buckets, values, strict=True)]
    return ReleaseReport(interval=interval, start=start, end=end, results=points, releases=list(releases.values()))


def release_download_rows(report: ReleaseReport) -> list[dict[str, object]]:
    """One row per asset and bucket that has a daily figure (the CSV): buckets without one are unknown."""
    rows: list[dict[str, object]] = []
    for release in report.releases:
        for asset in release.assets:
            sums: dict[date, int] = {}
            for day, figure in asset.daily.items():
                key = bucket_start(day, report.interval)
                sums[key] = sums.get(key, 0) + figure
            rows += [
                {"repo": release.repo, "date": bucket.isoformat(), "release_tag": release.tag,
                 "release_name": release.name, "asset": asset.name, "downloads": downloads}
                for bucket, downloads in sorted(sums.items())
            ]
    rows.sort(key=lambda row: (row["date"], row["release_tag"], row["asset"]))  # type: ignore[arg-type]
    return rows
