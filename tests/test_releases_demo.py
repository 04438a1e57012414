"""The demo's release downloads (devtools/demo_releases.py): growing counts, one deleted asset."""

from __future__ import annotations

from datetime import date, timedelta

from devtools.demo import demo_data_seed
from stats.models import ReleaseAsset, ReleaseAssetDownloads
from stats.traffic.releases_selectors import release_downloads
from tenants.access import TenantAccess
from tenants.models import Tenant

TODAY = date(2026, 11, 29)


def test_it_seeds_growing_cumulative_counts_and_a_deleted_asset(db):
    demo_data_seed(today=TODAY, days=200)
    tenant = Tenant.objects.get(slug="demo")
    assert ReleaseAsset.objects.filter(repository__tenant=tenant, deleted_on=TODAY - timedelta(days=100)).exists()
    asset = ReleaseAsset.objects.filter(repository__tenant=tenant, tag="v2.0.0").first()
    counts = list(ReleaseAssetDownloads.objects.filter(asset=asset).order_by("date")
                  .values_list("download_count", flat=True))
    assert len(counts) == 61 and counts == sorted(counts) and counts[-1] > counts[0]
    report = release_downloads(access=TenantAccess.full(tenant), start=TODAY - timedelta(days=29), end=TODAY)
    assert report.total and report.top_release is not None and report.results[-1].downloads is not None
