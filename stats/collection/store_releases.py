"""Storing a repository's release list: one row per asset (its release's tag, name and date), and per
asset and UTC day the cumulative `download_count` GitHub reported (the largest of the day)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils.dateparse import parse_datetime

from repos.github import ApiResponse
from stats.models import ReleaseAsset, ReleaseAssetDownloads

ASSET_FIELDS = ("release_id", "tag", "release_name", "published_at", "prerelease", "name", "deleted_on")


def _published(value: Any) -> datetime | None:
    try:
        return parse_datetime(str(value)) if value else None
    except ValueError:
        return None


def _asset_values(release: dict[str, Any], asset: dict[str, Any]) -> dict[str, Any]:
    return {
        "release_id": int(release["id"]),
        "tag": str(release.get("tag_name") or "")[:255],
        "release_name": str(release.get("name") or "")[:255],
        "published_at": _published(release.get("published_at")),
        "prerelease": bool(release.get("prerelease")),
        "name": str(asset.get("name") or "")[:255],
        "deleted_on": None,
    }


def releases_store(*, repo_id: int, today: date, response: ApiResponse) -> int:
    """Merge one fetched release list (inside the repository's store transaction). Returns the number
    of assets observed. Draft releases are skipped: they are not published and nobody downloads them."""
    seen: dict[int, tuple[dict[str, Any], int]] = {}
    for release in response.data:
        if release.get("draft"):
            continue
        for asset in release["assets"]:
            seen[int(asset["id"])] = (_asset_values(release, asset), max(0, int(asset.get("download_count") or 0)))
    known = {asset.asset_id: asset for asset in ReleaseAsset.objects.filter(repository_id=repo_id)}
    ReleaseAsset.objects.bulk_create([
        ReleaseAsset(repository_id=repo_id, asset_id=asset_id, **values)
        for asset_id, (values, _count) in seen.items() if asset_id not in known
    ])
    changed = []
    for asset_id, (values, _count) in seen.items():
        asset = known.get(asset_id)
        if asset is not None and any(getattr(asset, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(asset, name, value)
            changed.append(asset)
    # A list cut short (too many pages) says nothing about the assets it did not reach.
    if response.next_url is None:
        for asset_id, asset in known.items():
            if asset_id not in seen and asset.deleted_on is None:
                asset.deleted_on = today  # deleted on GitHub (or its release was): the series stops
                changed.append(asset)
    if changed:
        ReleaseAsset.objects.bulk_update(changed, list(ASSET_FIELDS))
    if not seen:
        return 0
    pks = dict(ReleaseAsset.objects.filter(repository_id=repo_id).values_list("asset_id", "pk"))
    stored = {row.asset_id: row for row in ReleaseAssetDownloads.objects.filter(asset__repository_id=repo_id,
                                                                                 date=today)}
    create, update = [], []
    for asset_id, (_values, count) in seen.items():
        row = stored.get(pks[asset_id])
        if row is None:
            create.append(ReleaseAssetDownloads(asset_id=pks[asset_id], date=today, download_count=count))
        elif count > row.download_count:  # the day's last (largest) observation wins
            row.download_count = count
            update.append(row)
    ReleaseAssetDownloads.objects.bulk_create(create)
    if update:
        ReleaseAssetDownloads.objects.bulk_update(update, ["download_count"])
    return len(seen)
