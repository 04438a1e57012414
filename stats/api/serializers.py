"""Output shapes of the traffic API (they also document the OpenAPI schema)."""

from __future__ import annotations

from rest_framework import serializers

CI_ESTIMATE_HELP = (
    "Estimated CI clones (an estimate, not GitHub's): GitHub Actions workflow runs created in the bucket (Actions "
    "runs API, by created day) times the repository's checkouts per run (default 1); the runs list does not say "
    "whether a run checks the repository out. Null when the estimate is off for the repository (a maintainer turns "
    "it on on the repository page) or a day of the bucket with traffic has no run count."
)
HUMAN_ESTIMATE_HELP = "Estimated human clones: per day max(0, clones - CI estimate), summed. Null like the estimate."


class TrafficPointSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="Start of the bucket: the day, the week's Monday or the month's 1st.")
    views = serializers.IntegerField(
        allow_null=True,
        help_text="Sum of the stored days of the bucket inside from..to; null: no collection covered this bucket.",
    )
    unique_views = serializers.IntegerField(
        allow_null=True,
        help_text=("GitHub's own uniques: the day's, or the ISO week's (GitHub weekly data; null for a week the "
                   "range cuts, whose views are partial); null for months."),
    )
    clones = serializers.IntegerField(allow_null=True)
    unique_clones = serializers.IntegerField(allow_null=True)
    days_covered = serializers.IntegerField(
        help_text="Days of the bucket inside from..to that have stored traffic (a day: 1 or 0)."
    )
    days_expected = serializers.IntegerField(help_text="Days of the bucket inside from..to.")
    complete = serializers.BooleanField(
        help_text=("True only when the whole bucket lies inside from..to and every day of it has data. A week or "
                   "month cut by the range, still running, or with uncollected days is false: its sums are partial.")
    )
    ci_clones_estimate = serializers.IntegerField(allow_null=True, help_text=CI_ESTIMATE_HELP)
    clones_human_estimate = serializers.IntegerField(allow_null=True, help_text=HUMAN_ESTIMATE_HELP)


class TenantTrafficPointSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="Start of the bucket: the day, the week's Monday or the month's 1st.")
    views = serializers.IntegerField(allow_null=True)
    clones = serializers.IntegerField(allow_null=True)
    days_covered = serializers.IntegerField(
        help_text="Repository-days of the bucket inside from..to with stored traffic (followed repositories)."
    )
    days_expected = serializers.IntegerField(
        help_text="Followed repositories times the days of the bucket inside from..to."
    )
    complete = serializers.BooleanField(
        help_text="True only when the bucket lies inside from..to and every followed repository has every day."
    )


class TotalsSerializer(serializers.Serializer):
    views = serializers.IntegerField(allow_null=True)
    clones = serializers.IntegerField(allow_null=True)


class RepositoryTotalsWithEstimateSerializer(TotalsSerializer):
    ci_clones_estimate = serializers.IntegerField(allow_null=True, help_text="Sum over the buckets with an estimate.")
    clones_human_estimate = serializers.IntegerField(allow_null=True)


class RepositoryTrafficSerializer(serializers.Serializer):
    repo = serializers.CharField()
    interval = serializers.ChoiceField(choices=["day", "week", "month"])
    from_ = serializers.DateField(source="start")
    to = serializers.DateField(source="end")
    results = TrafficPointSerializer(many=True)
    totals = RepositoryTotalsWithEstimateSerializer()


class RepositoryTotalsSerializer(serializers.Serializer):
    full_name = serializers.CharField()
    views = serializers.IntegerField(allow_null=True)
    clones = serializers.IntegerField(allow_null=True)


class TenantTrafficSerializer(serializers.Serializer):
    interval = serializers.ChoiceField(choices=["day", "week", "month"])
    from_ = serializers.DateField(source="start")
    to = serializers.DateField(source="end")
    results = TenantTrafficPointSerializer(many=True)
    totals = TotalsSerializer()
    repos = RepositoryTotalsSerializer(many=True)


def rename_from_field(serializer: type[serializers.Serializer]) -> None:
    """`from` is a Python keyword: declare the field as `from_`, then rename it in place (order kept)."""
    fields = serializer._declared_fields
    serializer._declared_fields = {("from" if name == "from_" else name): field for name, field in fields.items()}


rename_from_field(RepositoryTrafficSerializer)
rename_from_field(TenantTrafficSerializer)


class ReferrerSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="Day of the snapshot (covers GitHub's 14 days before it).")
    referrer = serializers.CharField()
    count = serializers.IntegerField()
    uniques = serializers.IntegerField()


class PathSerializer(serializers.Serializer):
    date = serializers.DateField()
    path = serializers.CharField()
    title = serializers.CharField()
    count = serializers.IntegerField()
    uniques = serializers.IntegerField()


class MetricsPointSerializer(serializers.Serializer):
    date = serializers.DateField()
    stars = serializers.IntegerField(allow_null=True)
    forks = serializers.IntegerField(allow_null=True)
    watchers = serializers.IntegerField(allow_null=True)


class EstimateRowSerializer(serializers.Serializer):
    views_estimate = serializers.IntegerField(
        source="views", help_text="Estimated views over from..to (an estimate, inside views_low..views_high)."
    )
    views_low = serializers.IntegerField(source="low", help_text="The fewest views the snapshots allow.")
    views_high = serializers.IntegerField(
        source="high", allow_null=True,
        help_text="The most views the snapshots allow; null when some day of the period is in no snapshot's window.",
    )
    exact = serializers.BooleanField(help_text="views_low == views_high: whole 14-day windows, always listed.")
    uniques = serializers.IntegerField(
        allow_null=True, default=None,
        help_text="Always null: GitHub's 14-day uniques cannot be added up or split by day.",
    )
    estimated = serializers.BooleanField(default=True)
    in_top10 = serializers.IntegerField(source="listed", help_text="Snapshots (touching the period) that list it.")
    snapshots = serializers.IntegerField(help_text="Snapshots whose 14-day window touches the period.")
    repositories = serializers.IntegerField()


class ReferrerEstimateSerializer(EstimateRowSerializer):
    referrer = serializers.CharField(source="key")


class PathEstimateSerializer(EstimateRowSerializer):
    path = serializers.CharField(source="key")
    title = serializers.CharField()


class PeriodEstimatesSerializer(serializers.Serializer):
    repo = serializers.CharField(allow_null=True, help_text="null for the whole tenant.")
    from_ = serializers.DateField(source="start")
    to = serializers.DateField(source="end")
    aggregate = serializers.CharField(default="period")
    estimated = serializers.BooleanField(default=True)
    method = serializers.CharField()
    snapshot_days = serializers.IntegerField(help_text="Distinct snapshot days whose window touches the period.")


class ReferrerEstimatesSerializer(PeriodEstimatesSerializer):
    results = ReferrerEstimateSerializer(many=True, source="entries")


class PathEstimatesSerializer(PeriodEstimatesSerializer):
    results = PathEstimateSerializer(many=True, source="entries")


rename_from_field(ReferrerEstimatesSerializer)
rename_from_field(PathEstimatesSerializer)
