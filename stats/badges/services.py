"""Writes for badges: create one for a repository (maintainers), revoke it."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from repos.models import Repository
from stats.models import Badge

TOKEN_BYTES = 24  # 192 bits, URL-safe: unguessable


class BadgeMetricsInvalid(ValueError):
    """No metric chosen, or one that is not a badge metric."""


def badge_metrics_clean(metrics: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(metrics))
    valid = set(Badge.Metric.values)
    unknown = [metric for metric in chosen if metric not in valid]
    if unknown:
        choices = ", ".join(Badge.Metric.values)
        raise BadgeMetricsInvalid(f"unknown badge metric {unknown[0][:40]!r}; choose from {choices}")
    if not chosen:
        raise BadgeMetricsInvalid("choose at least one metric")
    return [metric for metric in Badge.Metric.values if metric in chosen]


def badge_create(
    *, repository: Repository, metrics: Iterable[str], created_by: AbstractBaseUser | None = None
) -> Badge:
    user = created_by if created_by is not None and created_by.is_authenticated else None
    return Badge.objects.create(
        repository=repository, token=secrets.token_urlsafe(TOKEN_BYTES),
        metrics=",".join(badge_metrics_clean(metrics)), created_by=user,
    )


def badge_revoke(*, badge: Badge, now: datetime | None = None) -> Badge:
    """The badge's URLs answer 404 from now on (caches may keep the last image up to its max-age)."""
    if badge.revoked_at is None:
        badge.revoked_at = now or timezone.now()
        badge.save(update_fields=["revoked_at"])
    return badge
