"""The daily spike check: a complete day far above the repository's baseline is stored once, its likely
cause named (a referrer that jumped, a star jump, or none), e-mailed to members who opted in (their
repositories only) and POSTed to the tenant's webhook with an HMAC-SHA256 signature."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail

from stats.models import AlertWebhook, DailyTraffic, ReferrerSnapshot, RepositoryMetrics, TrafficAlert
from stats.notify import causes
from stats.notify.alerts import alerts_check, spike_threshold
from stats.notify.causes import Cause
from stats.notify.delivery import SIGNATURE_HEADER
from stats.notify.services import alert_webhook_set, notification_preferences_set
from stats.notify.tasks import traffic_alerts
from tenants.models import Membership

TODAY = date(2026, 3, 10)
DAY = TODAY - timedelta(days=1)
SECRET = "a-webhook-secret-of-some-length"


def history(repository, *, views: int = 20, clones: int = 4, days: int = 28, spike_views: int | None = None,
            spike_clones: int | None = None, collected: datetime | None = None) -> None:
    """`days` ordinary days before DAY, then DAY itself, collected the next morning (the day is complete)."""
    for back in range(days, 0, -1):
        DailyTraffic.objects.create(repository=repository, date=DAY - timedelta(days=back), views=views + back % 3,
                                    unique_views=5, clones=clones, unique_clones=1)
    DailyTraffic.objects.create(repository=repository, date=DAY, views=spike_views or views, unique_views=50,
                                clones=spike_clones or clones, unique_clones=2)
    repository.last_success_at = collected or datetime(2026, 3, 10, 3, tzinfo=UTC)
    repository.save()


def opt_in(user, **choices) -> None:
    notification_preferences_set(membership=Membership.objects.get(user=user), **({"spike_email": True} | choices))


def test_it_names_a_referrer_that_jumped_as_the_cause(world) -> None:
    history(world.repo_a, spike_views=900)
    ReferrerSnapshot.objects.create(repository=world.repo_a, date=DAY - timedelta(days=1), referrer="github.com",
                                    count=40, uniques=10)
    ReferrerSnapshot.objects.create(repository=world.repo_a, date=DAY - timedelta(days=1),
                                    referrer="news.ycombinator.com", count=3, uniques=2)
    ReferrerSnapshot.objects.create(repository=world.repo_a, date=TODAY, referrer="github.com", count=45, uniques=11)
    ReferrerSnapshot.objects.create(repository=world.repo_a, date=TODAY, referrer="news.ycombinator.com", count=700,
                                    uniques=600)
    opt_in(world.alice)
    [alert] = alerts_check(tenant=world.tenant_a, today=TODAY)
    assert (alert.repository, alert.date, alert.metric, alert.count) == (world.repo_a, DAY, "views", 900)
    assert 20 <= alert.baseline <= 22
    [cause] = alert.causes.all()
    assert cause.kind == "referrer"
    assert "news.ycombinator.com" in cause.summary and "3 to 700" in cause.summary
    [message] = mail.outbox
    assert message.to == ["alice@acme.test"]
    assert "acme/rocket" in message.subject
    assert "news.ycombinator.com" in message.body
    assert "/notifications/unsubscribe/" in message.body


def test_it_names_a_star_jump_as_the_cause(world) -> None:
    history(world.repo_a, spike_views=400)
    for back in range(10, 0, -1):
        RepositoryMetrics.objects.create(repository=world.repo_a, date=DAY - timedelta(days=back), stars=200 - back)
    RepositoryMetrics.objects.create(repository=world.repo_a, date=DAY, stars=290)
    [alert] = alerts_check(tenant=world.tenant_a, today=TODAY)
    assert [(c.kind, c.summary) for c in alert.causes.all()] == [("stars", "91 new stars (199 → 290)")]


def test_it_names_no_cause_when_the_data_has_none(world) -> None:
    history(world.repo_a, spike_views=400)
    # The usual referrers and the usual star growth: nothing stands out.
    ReferrerSnapshot.objects.create(repository=world.repo_a, date=DAY - timedelta(days=1), referrer="github.com",
                                    count=40, uniques=10)
    ReferrerSnapshot.objects.create(repository=world.repo_a, date=TODAY, referrer="github.com", count=44, uniques=11)
    for back in range(10, -1, -1):
        RepositoryMetrics.objects.create(repository=world.repo_a, date=DAY - timedelta(days=back), stars=300 - back)
    opt_in(world.alice)
    [alert] = alerts_check(tenant=world.tenant_a, today=TODAY)
    assert list(alert.causes.all()) == []
    assert "no cause found in the stored data" in mail.outbox[0].body


def test_it_flags_a_clone_spike_with_the_days_causes(world) -> None:
    history(world.repo_a, spike_views=400, spike_clones=300)
    found = alerts_check(tenant=world.tenant_a, today=TODAY)
    assert [alert.metric for alert in found] == ["views", "clones"]


@pytest.mark.parametrize(
    ("spike_views", "collected", "days"),
    [
        (55, None, 28),  # under 3x the baseline of about 20
        (None, None, 28),  # an ordinary day
        (400, datetime(2026, 3, 9, 18, tzinfo=UTC), 28),  # the day was not complete when last collected
        (400, None, 5),  # too little history for a baseline
    ],
)
def test_it_flags_nothing_without_a_clear_spike_on_a_complete_day(world, spike_views, collected, days) -> None:
    history(world.repo_a, spike_views=spike_views, collected=collected, days=days)
    assert alerts_check(tenant=world.tenant_a, today=TODAY) == []
    assert not TrafficAlert.objects.exists()


def test_it_needs_an_absolute_floor_for_quiet_repositories() -> None:
    assert spike_threshold(metric="views", baseline=1) == 50
    assert spike_threshold(metric="views", baseline=20) == 60
    assert spike_threshold(metric="views", baseline=100) == 300
    assert spike_threshold(metric="clones", baseline=2) == 20


def test_it_is_idempotent(world) -> None:
    history(world.repo_a, spike_views=900)
    opt_in(world.alice)
    assert len(alerts_check(tenant=world.tenant_a, today=TODAY)) == 1
    assert alerts_check(tenant=world.tenant_a, today=TODAY) == []
    assert traffic_alerts(today=TODAY) == 0  # the scheduled task: the same check for every tenant
    assert alerts_check(tenant=world.tenant_a, today=TODAY + timedelta(days=1)) == []  # still in the checked days
    assert TrafficAlert.objects.count() == 1
    assert len(mail.outbox) == 1


def test_it_emails_only_members_who_opted_in_about_repositories_they_see(world) -> None:
    history(world.repo_a_hidden, spike_views=900)
    opt_in(world.limited_viewer)  # lim sees acme/rocket only
    opt_in(world.victor)
    alerts_check(tenant=world.tenant_a, today=TODAY)
    assert [message.to for message in mail.outbox] == [["victor@acme.test"]]
    assert "acme/hidden-gem" in mail.outbox[0].body


def test_it_asks_registered_cause_detectors_and_survives_a_failing_one(world, monkeypatch) -> None:
    def release(repository, day):
        return Cause("release", f"release v2.0 of {repository.full_name} published on {day}")

    def broken(repository, day):
        raise RuntimeError("data source down")

    monkeypatch.setattr(causes, "CAUSE_DETECTORS", list(causes.CAUSE_DETECTORS))
    causes.cause_detector_register(broken)
    causes.cause_detector_register(release)
    causes.cause_detector_register(release)
    history(world.repo_a, spike_views=900)
    [alert] = alerts_check(tenant=world.tenant_a, today=TODAY)
    assert [cause.kind for cause in alert.causes.all()] == ["release"]


class Receiver:
    """A local HTTP endpoint on a random port that records what is POSTed to it."""

    def __init__(self, status: int = 200) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    found.thread.start()
    yield found
    found.server.shutdown()
    found.server.server_close()


def test_it_posts_a_signed_json_body_to_the_webhook(world, receiver, settings) -> None:
    settings.NOTIFY_WEBHOOK_ALLOW_PRIVATE = True  # the receiver is on loopback
    alert_webhook_set(tenant=world.tenant_a, url=receiver.url, secret=SECRET)
    history(world.repo_a, spike_views=900)
    ReferrerSnapshot.objects.create(repository=world.repo_a, date=TODAY, referrer="reddit.com", count=500, uniques=400)
    alerts_check(tenant=world.tenant_a, today=TODAY)
    [(headers, body)] = receiver.requests
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers[SIGNATURE_HEADER.lower()], expected)
    assert headers["content-type"] == "application/json"
    payload = json.loads(body)
    assert payload["event"] == "traffic.spike"
    assert payload["tenant"] == {"slug": "acme", "name": "Acme"}
    [alert] = payload["alerts"]
    assert alert["repository"] == "acme/rocket" and alert["count"] == 900 and alert["date"] == DAY.isoformat()
    assert alert["causes"][0]["kind"] == "referrer"
    assert "reddit.com" in payload["text"]
    assert AlertWebhook.objects.get(tenant=world.tenant_a).last_status.startswith("200")
    alerts_check(tenant=world.tenant_a, today=TODAY)
    assert len(receiver.requests) == 1  # delivered once


def test_it_refuses_a_webhook_on_a_private_address_without_breaking_the_check(world, receiver, settings) -> None:
    settings.NOTIFY_WEBHOOK_ALLOW_PRIVATE = False  # production: loopback is refused at connection time
    alert_webhook_set(tenant=world.tenant_a, url=receiver.url, secret=SECRET)
    history(world.repo_a, spike_views=900)
    opt_in(world.alice)
    [alert] = alerts_check(tenant=world.tenant_a, today=TODAY)
    assert receiver.requests == []
    assert "refused" in AlertWebhook.objects.get(tenant=world.tenant_a).last_status
    assert len(mail.outbox) == 1  # the e-mail still went out
    alert.refresh_from_db()
    assert alert.delivered_at is not None


def test_it_logs_a_failing_webhook_and_goes_on(world, settings) -> None:
    settings.NOTIFY_WEBHOOK_ALLOW_PRIVATE = True
    settings.NOTIFY_WEBHOOK_TIMEOUT_SECONDS = 2
    alert_webhook_set(tenant=world.tenant_a, url="http://127.0.0.1:9/nothing-listens", secret=SECRET)
    history(world.repo_a, spike_views=900)
    assert len(alerts_check(tenant=world.tenant_a, today=TODAY)) == 1
    assert "failed" in AlertWebhook.objects.get(tenant=world.tenant_a).last_status
