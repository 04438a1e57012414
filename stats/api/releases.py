"""Release downloads API: per bucket, per release and per asset, JSON or CSV (`?format=csv`)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from stats.api.serializers import rename_from_field
from stats.api.traffic import ERRORS, FORMAT, FROM, INTERVAL, TO, TrafficAPIView
from stats.traffic.releases_selectors import release_download_rows, release_downloads


class DownloadsPointSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="Start of the bucket: the day, the week's Monday or the month's 1st.")
    downloads = serializers.IntegerField(
        allow_null=True,
        help_text=("Downloads of every asset in the bucket, from GitHub's cumulative counts (the difference to each "
                   "asset's previous observation, on the day observed); null: no daily figure in the bucket."),
    )


class AssetDownloadsSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="asset_id", help_text="GitHub's asset id.")
    name = serializers.CharField()
    downloads = serializers.IntegerField(allow_null=True, help_text="Downloads in from..to (null: no figure).")
    all_time = serializers.IntegerField(
        source="latest", allow_null=True, help_text="GitHub's cumulative count, last observed up to `to`."
    )
    deleted_on = serializers.DateField(allow_null=True, help_text="First day the asset was gone: its series stops.")


class ReleaseDownloadsSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="release_id", help_text="GitHub's release id.")
    tag = serializers.CharField()
    name = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    prerelease = serializers.BooleanField()
    downloads = serializers.IntegerField(allow_null=True)
    all_time = serializers.IntegerField(source="latest", allow_null=True)
    assets = AssetDownloadsSerializer(many=True)


class DownloadsTotalsSerializer(serializers.Serializer):
    downloads = serializers.IntegerField(source="total", allow_null=True)
    all_time = serializers.IntegerField(source="latest_total", allow_null=True)


class RepositoryReleasesSerializer(serializers.Serializer):
    repo = serializers.CharField()
    interval = serializers.ChoiceField(choices=["day", "week", "month"])
    from_ = serializers.DateField(source="start")
    to = serializers.DateField(source="end")
    results = DownloadsPointSerializer(many=True)
    totals = DownloadsTotalsSerializer(source="*")
    releases = ReleaseDownloadsSerializer(many=True, help_text="Newest first; draft releases are not collected.")


rename_from_field(RepositoryReleasesSerializer)  # `from`, as every other traffic endpoint answers


class RepositoryReleasesView(TrafficAPIView):
    csv_header = ["repo", "date", "release_tag", "release_name", "asset", "downloads"]

    @extend_schema(
        operation_id="repository_releases",
        summary="Release downloads of one repository per day, week or month, per release and asset",
        description=(
            "GitHub gives each release asset's cumulative download count; it is collected about daily (optional "
            "work, after traffic) and a day's downloads are the difference to the previous observation. A first "
            "observation has no figure; a deleted asset stops its series. The CSV has one row per asset and bucket "
            "with a figure."
        ),
        parameters=[INTERVAL, FROM, TO, FORMAT],
        responses={200: RepositoryReleasesSerializer, **ERRORS},
        tags=["traffic"],
    )
    def get(self, request: Request, tenant_slug: str, owner: str, name: str) -> Response:
        repository = self.repository(owner, name)
        period = self.date_range()
        report = release_downloads(access=self.access, repository=repository, start=period.start, end=period.end,
                                   interval=period.interval)
        self.csv_name = f"{repository.owner}-{repository.name}-releases-{period.interval}-{period.start}-{period.end}"
        if self.wants_csv:
            return Response(release_download_rows(report))
        return Response(RepositoryReleasesSerializer({
            "repo": repository.full_name, "interval": report.interval, "start": report.start, "end": report.end,
            "results": report.results, "total": report.total, "latest_total": report.latest_total,
            "releases": report.releases,
        }).data)
