"""The weekly digest: last week's totals and change, top repositories and referrers, the week's spikes and
what is at risk, per member who opted in (a limited viewer sees only their repositories); the preview page,
the preferences page, and the one-click unsubscribe link."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from django.core import mail
from django_q.models import Schedule

from stats.collection.rollups import rollups_rebuild
from stats.models import AlertCause, AlertWebhook, DailyTraffic, NotificationPreference, ReferrerSnapshot, TrafficAlert
from stats.notify.digest import digest_week, digests_send
from stats.notify.preferences import unsubscribe_token
from stats.notify.scheduling import SCHEDULES, notify_schedules_ensure
from stats.notify.services import notification_preferences_set
from stats.notify.tasks import weekly_digest
from tenants.models import Membership

MONDAY = date(2026, 3, 9)
WEEK_START = date(2026, 3, 2)


def traffic(world) -> None:
    """Last week: rocket 70 views a day (35 the week before), hidden-gem 10 a day; a spike and referrers."""
    for offset in range(14):
        day = WEEK_START - timedelta(days=7) + timedelta(days=offset)
        this_week = day >= WEEK_START
        DailyTraffic.objects.create(repository=world.repo_a, date=day, views=70 if this_week else 35, unique_views=9,
                                    clones=3, unique_clones=1)
        DailyTraffic.objects.create(repository=world.repo_a_hidden, date=day, views=10, unique_views=2, clones=1,
                                    unique_clones=1)
    rollups_rebuild(tenant_ids=[world.tenant_a.pk])
    ReferrerSnapshot.objects.create(repository=world.repo_a, date=WEEK_START + timedelta(days=6),
                                    referrer="news.ycombinator.com", count=321, uniques=200)
    ReferrerSnapshot.objects.create(repository=world.repo_a_hidden, date=WEEK_START + timedelta(days=6),
                                    referrer="secret-forum.example", count=77, uniques=20)
    alert = TrafficAlert.objects.create(repository=world.repo_a, date=WEEK_START + timedelta(days=2), metric="views",
                                        count=70, baseline=35, delivered_at=datetime(2026, 3, 5, tzinfo=UTC))
    AlertCause.objects.create(alert=alert, kind="referrer", summary="referrer news.ycombinator.com jumped")
    TrafficAlert.objects.create(repository=world.repo_a_hidden, date=WEEK_START + timedelta(days=3), metric="views",
                                count=99, baseline=10)
    for repository in (world.repo_a, world.repo_a_hidden):
        repository.last_success_at = datetime(2026, 3, 9, 3, tzinfo=UTC)
        repository.save()


def subscribe(user) -> Membership:
    membership = Membership.objects.get(user=user)
    notification_preferences_set(membership=membership, weekly_digest=True)
    return membership


def mail_to(address):
    [message] = [message for message in mail.outbox if message.to == [address]]
    return message


def test_it_takes_the_last_complete_iso_week() -> None:
    assert (digest_week(MONDAY).start, digest_week(MONDAY).end) == (WEEK_START, date(2026, 3, 8))
    assert digest_week(date(2026, 3, 8)).start == date(2026, 2, 23)  # on Sunday the week is not over


def test_it_sends_the_weeks_figures_to_members_who_opted_in(world, settings) -> None:
    settings.SITE_URL = "https://traffic.example.com"
    traffic(world)
    subscribe(world.alice)
    assert digests_send(tenant=world.tenant_a, today=MONDAY) == 1
    message = mail_to("alice@acme.test")
    assert "week of 02 Mar to 08 Mar 2026" in message.subject
    text = message.body
    assert "Views: 560 (+77.8% vs previous week)" in text  # (70 + 10) x 7 against (35 + 10) x 7
    assert "acme/rocket: 490 views (+100%)" in text
    assert "acme/hidden-gem: 70 views (no change)" in text
    assert "news.ycombinator.com: 321 views" in text
    assert "referrer news.ycombinator.com jumped" in text
    assert "acme/hidden-gem: 99 views" in text
    [(html, kind)] = message.alternatives
    assert kind == "text/html"
    assert "acme/rocket" in html and "news.ycombinator.com" in html and 'class="digest-spikes"' in html
    assert message.extra_headers["List-Unsubscribe"].startswith("<https://traffic.example.com/notifications/")
    assert "https://traffic.example.com/t/acme/" in text


def test_it_limits_a_limited_viewers_digest_to_their_repositories(world) -> None:
    traffic(world)
    subscribe(world.limited_viewer)
    digests_send(tenant=world.tenant_a, today=MONDAY)
    message = mail_to("lim@acme.test")
    everything = message.body + message.alternatives[0][0]
    assert "acme/rocket" in everything
    assert "hidden-gem" not in everything
    assert "secret-forum" not in everything
    assert "Views: 490" in message.body


def test_it_tells_admins_about_data_at_risk(world) -> None:
    traffic(world)
    world.repo_a_hidden.last_error_code = "no_push_access"
    world.repo_a_hidden.save()
    subscribe(world.alice)
    subscribe(world.victor)
    digests_send(tenant=world.tenant_a, today=MONDAY)
    assert "lost access to 1 repository: acme/hidden-gem" in mail_to("alice@acme.test").body
    assert "DATA AT RISK" not in mail_to("victor@acme.test").body  # a viewer is not told about credentials


def test_it_sends_nothing_to_members_who_did_not_opt_in_or_opted_out(world) -> None:
    traffic(world)
    assert weekly_digest(today=MONDAY) == 0
    subscribe(world.victor)
    notification_preferences_set(membership=Membership.objects.get(user=world.victor), weekly_digest=False)
    assert weekly_digest(today=MONDAY) == 0
    assert mail.outbox == []


def test_it_unsubscribes_with_the_one_click_link_in_the_mail(world, client) -> None:
    traffic(world)
    subscribe(world.victor)
    digests_send(tenant=world.tenant_a, today=MONDAY)
    link = re.search(r"Unsubscribe from the weekly digest: (\S+)", mail.outbox[0].body).group(1)
    response = client.get(link)  # anonymous: the signed token is the authority
    assert response.status_code == 200
    assert "no longer receive" in response.content.decode()
    assert NotificationPreference.objects.get(membership__user=world.victor).weekly_digest is False
    mail.outbox.clear()
    assert digests_send(tenant=world.tenant_a, today=MONDAY + timedelta(days=7)) == 0


def test_it_refuses_a_forged_or_tampered_unsubscribe_link(world, client) -> None:
    membership = subscribe(world.victor)
    token = unsubscribe_token(membership=membership, kind="weekly_digest")
    assert client.get(f"/notifications/unsubscribe/{token[:-2]}xx/").status_code == 404
    assert client.get("/notifications/unsubscribe/not-a-signed-token/").status_code == 404
    assert NotificationPreference.objects.get(membership=membership).weekly_digest is True
    assert client.post(f"/notifications/unsubscribe/{token}/").status_code == 200  # RFC 8058 one-click POST
    assert NotificationPreference.objects.get(membership=membership).weekly_digest is False


def test_it_previews_the_digest_for_the_person_looking(world, time_machine) -> None:
    time_machine.move_to(datetime(2026, 3, 10, 9, tzinfo=UTC), tick=False)
    traffic(world)
    response = world.client_for(world.alice).get("/t/acme/digest/preview/")
    page = response.content.decode()
    # The mail's inline styles render here as in the mail; scripts stay as locked down as everywhere.
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";") if part.strip())
    assert "'unsafe-inline'" in policy["style-src"] and policy["script-src"] == "'self'"
    assert "acme/hidden-gem" in page and "news.ycombinator.com" in page and "Weekly digest preview" in page
    limited = world.client_for(world.limited_viewer).get("/t/acme/digest/preview/")
    assert limited.status_code == 200
    assert "hidden-gem" not in limited.content.decode()
    assert world.client_for(world.bob).get("/t/acme/digest/preview/").status_code == 404


def test_it_saves_a_members_choices_on_the_preferences_page(world) -> None:
    client = world.client_for(world.victor)
    page = client.get("/t/acme/notifications/").content.decode()
    assert "Weekly digest" in page and "Credential warnings" not in page  # warnings are for admins
    response = client.post("/t/acme/notifications/", {"weekly_digest": "on", "spike_email": "on"})
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(membership__user=world.victor)
    assert (preference.weekly_digest, preference.spike_email) == (True, True)
    client.post("/t/acme/notifications/", {"spike_email": "on"})
    preference.refresh_from_db()
    assert (preference.weekly_digest, preference.spike_email) == (False, True)


def test_it_lets_only_admins_configure_the_alert_webhook(world) -> None:
    url = "/t/acme/settings/alerts/"
    assert world.client_for(world.victor).post(url, {"url": "https://hooks.example.com/x"}).status_code == 403
    admin = world.client_for(world.alice)
    response = admin.post(url, {"url": "https://hooks.example.com/x", "enabled": "on"}, follow=True)
    assert "signing secret (shown once" in response.content.decode()
    assert world.tenant_a.alert_webhook.url == "https://hooks.example.com/x"
    bad = admin.post(url, {"url": "https://hooks.example.com/x", "secret": "short", "enabled": "on"})
    assert bad.status_code == 400
    admin.post(url, {"action": "delete"})
    assert not AlertWebhook.objects.filter(tenant=world.tenant_a).exists()


def test_it_schedules_the_notification_tasks(db, settings) -> None:
    now = datetime(2026, 3, 4, 12, tzinfo=UTC)  # a Wednesday
    Schedule.objects.filter(name__in=SCHEDULES).delete()  # `migrate` made them for the test database
    results = notify_schedules_ensure(now=now)
    assert [action for _name, _schedule, action in results] == ["created"] * 3
    digest = Schedule.objects.get(name="ghtraffic weekly digest")
    assert digest.func == "stats.notify.tasks.weekly_digest"
    assert digest.next_run == datetime(2026, 3, 9, 7, tzinfo=UTC)  # next Monday 07:00 UTC
    assert [action for _n, _s, action in notify_schedules_ensure(now=now)] == ["unchanged"] * 3
    settings.NOTIFY_DIGEST_SCHEDULE = "off"
    notify_schedules_ensure(now=now)
    names = set(Schedule.objects.filter(name__in=SCHEDULES).values_list("name", flat=True))
    assert names == set(SCHEDULES) - {"ghtraffic weekly digest"}
