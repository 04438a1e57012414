import datetime

from django.contrib.auth import authenticate
from django.db.models import F

from devtools.demo import DEMO_PASSWORD, DEMO_USERNAME, demo_data_seed
from stats.models import DailyTraffic, WeeklyTraffic


def test_it_creates_a_year_of_plausible_traffic_once(db):
    today = datetime.date(2026, 11, 29)
    first = demo_data_seed(today=today, days=120)
    assert first.created and first.repositories == 6
    rows = DailyTraffic.objects.count()
    assert rows == first.daily_rows > 6 * 100
    assert not DailyTraffic.objects.filter(unique_views__gt=F("views")).exists()
    second = demo_data_seed(today=today, days=120)
    assert not second.created
    assert DailyTraffic.objects.count() == rows


def test_it_makes_weekly_uniques_deduplicated_not_summed(db):
    demo_data_seed(today=datetime.date(2026, 11, 29), days=60)
    week = WeeklyTraffic.objects.order_by("-views").first()
    days = DailyTraffic.objects.filter(
        repository=week.repository, date__gte=week.week_start, date__lt=week.week_start + datetime.timedelta(days=7)
    )
    daily_uniques = [d.unique_views for d in days]
    assert max(daily_uniques) <= week.unique_views < sum(daily_uniques)


def test_it_lets_the_demo_user_log_in(db):
    demo_data_seed(today=datetime.date(2026, 11, 29), days=10)
    assert authenticate(username=DEMO_USERNAME, password=DEMO_PASSWORD) is not None
