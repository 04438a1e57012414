"""The dashboard lists the busiest repositories only; the traffic tables list them all."""

from django.utils import timezone

from repos.models import Repository
from stats.collection.rollups import rollups_rebuild
from stats.models import DailyTraffic
from stats.web import dashboard as views


def test_it_lists_the_busiest_repositories_and_links_to_all(world, monkeypatch):
    monkeypatch.setattr(views, "DASHBOARD_TABLE_ROWS", 3)
    today = timezone.now().date()
    for index in range(5):
        repository = Repository.objects.create(tenant=world.tenant_a, owner="acme", name=f"lib{index}")
        DailyTraffic.objects.create(repository=repository, date=today, views=10 * (index + 1))
    rollups_rebuild(tenant_ids=[world.tenant_a.pk])  # rows written outside the collection
    html = world.client_for(world.viewer_a).get("/t/acme/?period=7d").content.decode()
    table = html[html.index('id="repo-table"') : html.index("</table>", html.index('id="repo-table"'))]
    assert [name for name in ("lib4", "lib3", "lib2", "lib1", "lib0") if f"acme/{name}<" in table] == [
        "lib4",
        "lib3",
        "lib2",
    ]
    assert "The 3 busiest of 6 repositories" in html
    assert "/t/acme/traffic/?period=7d" in html


def test_it_adds_no_note_when_every_repository_fits(world):
    html = world.client_for(world.viewer_a).get("/t/acme/").content.decode()
    assert "busiest of" not in html
