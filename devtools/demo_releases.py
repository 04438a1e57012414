"""Demo release downloads: a few releases per repository with assets whose cumulative counts grow
day by day (a new release takes most downloads, older ones fade), one asset deleted on the way."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from repos.models import Repository
from stats.models import ReleaseAsset, ReleaseAssetDownloads

# (tag, days before today it was published, share of the repository's downloads while it is the latest)
DEMO_RELEASES = [("v1.0.0", 300, 1.0), ("v1.1.0", 170, 1.0), ("v2.0.0", 60, 1.0), ("v2.1.0-rc.1", 9, 0.4)]
ASSETS = ["{name}-linux-x86_64.tar.gz", "{name}-macos-arm64.zip", "{name}-windows-x64.zip"]


def demo_releases_seed(*, repositories: list[Repository], today: date, days: int) -> None:
    """Daily observations of every asset from its release (or the first demo day) until today."""
    first_day = today - timedelta(days=days - 1)
    downloads: list[tuple[ReleaseAsset, date, int]] = []
    next_id = 900_000
    for position, repository in enumerate(repositories):
        rng = random.Random(f"releases:{repository.full_name}")
        base = max(3, 60 // (position + 1))
        for rank, (tag, age, share) in enumerate(DEMO_RELEASES):
            published = today - timedelta(days=age)
            newer = [today - timedelta(days=a) for _, a, _ in DEMO_RELEASES[rank + 1 :]]
            for asset_rank, pattern in enumerate(ASSETS):
                next_id += 1
                # The macOS zip of v1.1.0 was replaced by a universal build: deleted 100 days ago.
                deleted = today - timedelta(days=100) if (tag, asset_rank) == ("v1.1.0", 1) else None
                asset = ReleaseAsset.objects.create(
                    repository=repository, asset_id=next_id, release_id=10_000 + position * 10 + rank, tag=tag,
                    release_name=f"{repository.name} {tag}", prerelease="rc" in tag, deleted_on=deleted,
                    published_at=datetime.combine(published, time(15), tzinfo=UTC),
                    name=pattern.format(name=repository.name),
                )
                count, day = 0, published
                while day <= today and (deleted is None or day < deleted):
                    fade = 1.0 if not any(n <= day for n in newer) else 0.12
                    count += max(0, int(rng.gauss(base * share * fade / (asset_rank + 1), base * 0.1)))
                    if day >= first_day:
                        downloads.append((asset, day, count))
                    day += timedelta(days=1)
    ReleaseAssetDownloads.objects.bulk_create(
        [ReleaseAssetDownloads(asset=asset, date=day, download_count=count) for asset, day, count in downloads],
        batch_size=2000,
    )
    Repository.objects.filter(pk__in=[r.pk for r in repositories]).update(releases_fetched_on=today)
