"""Helpers of the release-downloads tests: assets and their cumulative counts written directly."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from repos.models import Repository
from stats.models import ReleaseAsset, ReleaseAssetDownloads


def asset_with_counts(
    repo: Repository, tag: str, name: str, start: date, counts: list[int | None], *, asset_id: int,
    release_id: int | None = None, deleted_on: date | None = None, prerelease: bool = False,
) -> ReleaseAsset:
    """An asset of release `tag`, observed from `start` one day per count (None: not observed that day)."""
    asset = ReleaseAsset.objects.create(
        repository=repo, asset_id=asset_id, release_id=release_id or abs(hash(tag)) % 10**9, tag=tag,
        release_name=f"Release {tag}", published_at=datetime(start.year, start.month, start.day, tzinfo=UTC),
        name=name, deleted_on=deleted_on, prerelease=prerelease,
    )
    ReleaseAssetDownloads.objects.bulk_create(
        ReleaseAssetDownloads(asset=asset, date=start + timedelta(days=offset), download_count=count)
        for offset, count in enumerate(counts) if count is not None
    )
    return asset
