"""Star history API: daily stars from the repository's first star (collected days, and days rebuilt
from GitHub's stargazer list), JSON or CSV."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from stats.api.traffic import ERRORS, FORMAT, FROM, TO, TrafficAPIView
from stats.traffic import star_history
from stats.traffic.periods import today_utc


class StarPointSerializer(serializers.Serializer):
    date = serializers.DateField()
    stars = serializers.IntegerField(allow_null=True, help_text="Null: unknown day.")
    source = serializers.ChoiceField(
        choices=["collected", "rebuilt", ""],
        help_text=("`collected`: GitHub's count that day; `rebuilt`: today's stargazers who had starred by then "
                   "(from the stargazer list; people who unstarred are not counted); empty: unknown."),
    )


class StarHistorySerializer(serializers.Serializer):
    repo = serializers.CharField(source="repository.full_name")
    state = serializers.ChoiceField(
        choices=["complete", "capped", "pending", "failed"],
        help_text=("The rebuilt part: `complete`; `capped` (over 40,000 stargazers: GitHub lists no more, the history "
                   "starts at the first day collected); `pending` (being rebuilt); `failed` (see `note`)."),
    )
    note = serializers.CharField()
    first_star = serializers.DateField(allow_null=True)
    first_collected = serializers.DateField(allow_null=True)
    backfilled_on = serializers.DateField(allow_null=True)
    results = StarPointSerializer(many=True, source="points")


class StarHistoryView(TrafficAPIView):
    csv_header = ["date", "stars", "source"]

    @extend_schema(
        operation_id="repository_star_history",
        summary="Daily stars from the first star: collected days, and days rebuilt from the stargazer list",
        description="Without `from` and `to`: the whole history, from the first star (or the first day collected).",
        parameters=[FROM, TO, FORMAT],
        responses={200: StarHistorySerializer, **ERRORS},
        tags=["traffic"],
    )
    def get(self, request: Request, tenant_slug: str, owner: str, name: str) -> Response:
        repository = self.repository(owner, name)
        if "from" in request.query_params or "to" in request.query_params:
            period = self.date_range()
            start, end = period.start, period.end
        else:
            start, end = None, today_utc(None)
        history = star_history.star_history(access=self.access, repository=repository, start=start, end=end)
        self.csv_name = f"{repository.owner}-{repository.name}-star-history"
        data = StarHistorySerializer(history).data
        if self.wants_csv:
            return Response(data["results"])
        return Response(data)
