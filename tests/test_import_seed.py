"""import_history seed: the original github-traffic-stats database (here a SQLite file with its tables)."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from repos.models import Repository
from stats.collection.services import Counts, daily_counts_merge
from stats.models import DailyTraffic
from tenants.crypto import decrypt_secret
from tenants.models import GitHubCredential, Invitation, Membership, Role, Tenant
from tenants.services import invitation_respond
from tests.import_support import assert_rollups_exact, run_cli, run_import, stored_state

SCHEMA = """
create table ghorgusers (oid integer, username varchar(100), ghtoken varchar(100));
create table repos (rid integer, rname varchar(100), ghserverid integer, oid integer, schedule varchar(20));
create table repotraffic (rid integer, tdate date, viewcount integer, vuniques integer, clonecount integer,
                          cuniques integer);
create table tenants (tid integer, fname varchar(50), lname varchar(50), email varchar(100), ghuser varchar(50),
                      ghtoken varchar(100));
create table tenantrepos (tid integer, rid integer);
create table adminusers (aid integer, auser varchar(50), email varchar(100));
create table adminroles (aid integer, role integer);
create table admintenantreporoles (aid integer, tid integer, role integer, rid integer);
"""


def seed_db(path: Path, *, traffic: list[tuple] | None = None) -> str:
    connection = sqlite3.connect(path)
    connection.executescript(SCHEMA)
    connection.executemany("insert into ghorgusers values (?, ?, null)", [(1, "acme"), (2, "initech")])
    connection.executemany("insert into repos values (?, ?, 1, ?, 'daily')",
                           [(10, "rocket", 1), (11, "tps-reports", 2), (12, "orphan", 2)])
    connection.executemany("insert into repotraffic values (?, ?, ?, ?, ?, ?)", traffic if traffic is not None else [
        (10, "2024-05-01", 30, 7, 4, 2),
        (10, "2024-05-02", 0, 0, 0, 0),
        (10, "2024-05-04", 11, 3, 1, 1),
        (11, "2024-05-01", 5, 5, 5, 5),
    ])
    connection.executemany("insert into tenants values (?, ?, ?, ?, ?, ?)", [
        (1, "Alice", "Smith", "alice@acme.test", "acme", "ghp_acmeSEEDtoken1234"),
        (2, "Peter", "Gibbons", "peter@initech.test", "Initech", "ghp_initechSEEDtoken9999"),
    ])
    connection.executemany("insert into tenantrepos values (?, ?)", [(1, 10), (2, 11)])
    connection.executemany("insert into adminusers values (?, ?, ?)", [
        (1, "root", "root@ops.test"), (2, "sam", "sam@initech.test"), (3, "tina", "tina@initech.test"),
        (4, "rex", "rex@initech.test"), (5, "nomail", ""),
    ])
    connection.executemany("insert into adminroles values (?, ?)", [(1, 1)])
    connection.executemany("insert into admintenantreporoles values (?, ?, ?, ?)", [
        (2, 2, 4, None),  # tenant → admin
        (3, 2, 8, None),  # tenant stats → viewer
        (4, 2, 16, 11),  # repository stats → viewer limited to initech/tps-reports
        (5, 2, 8, None),  # no e-mail: cannot be invited
    ])
    connection.commit()
    connection.close()
    return f"sqlite:///{path}"  # an absolute path: four slashes


def test_it_moves_tenants_repositories_traffic_token_and_people(world, tmp_path, settings):
    url = seed_db(tmp_path / "gts.db")
    code, out, err = run_import("seed", "--source-url", url)
    assert code == 0, err
    initech = Tenant.objects.get(slug="initech")
    assert initech.name == "Peter Gibbons"
    assert Tenant.objects.filter(slug="acme").count() == 1  # matched by slug: the existing tenant
    tps = Repository.objects.get(tenant=initech, owner="initech", name="tps-reports")
    assert not Repository.objects.filter(name="orphan").exists()  # in no tenant
    rows = {row.date: (row.views, row.unique_views, row.clones, row.unique_clones)
            for row in DailyTraffic.objects.filter(repository=world.repo_a)}
    assert rows == {date(2024, 5, 1): (30, 7, 4, 2), date(2024, 5, 2): (0, 0, 0, 0), date(2024, 5, 4): (11, 3, 1, 1)}
    assert DailyTraffic.objects.filter(repository=tps).count() == 1
    credential = GitHubCredential.objects.get(tenant=initech)
    assert "ghp_initechSEEDtoken9999" not in credential.token_encrypted
    assert decrypt_secret(credential.token_encrypted) == "ghp_initechSEEDtoken9999"
    invitations = {(i.tenant.slug, i.email): i for i in Invitation.objects.select_related("tenant")}
    roles = {key: invitation.role for key, invitation in invitations.items()}
    assert roles == {
        ("acme", "root@ops.test"): Role.ADMIN,  # system admin: admin of every tenant
        ("initech", "root@ops.test"): Role.ADMIN,
        ("initech", "peter@initech.test"): Role.ADMIN,  # the tenant's own e-mail
        ("initech", "sam@initech.test"): Role.ADMIN,
        ("initech", "tina@initech.test"): Role.VIEWER,
        ("initech", "rex@initech.test"): Role.VIEWER,
        # alice@acme.test is a member of acme already: no invitation
    }
    assert list(invitations[("initech", "rex@initech.test")].limited_to.all()) == [tps]
    assert not invitations[("initech", "tina@initech.test")].repository_limited
    assert "admin user 5 has no e-mail address" in out
    assert_rollups_exact(world.tenant_a, initech)


def test_it_changes_nothing_when_seeded_twice(world, tmp_path):
    url = seed_db(tmp_path / "gts.db")
    assert run_import("seed", "--source-url", url)[0] == 0
    before = stored_state()
    invitations = sorted(Invitation.objects.values_list("tenant_id", "email", "role", "expires_at"))
    credentials = sorted(GitHubCredential.objects.values_list("tenant_id", "token_encrypted"))
    code, out, _ = run_import("seed", "--source-url", url)
    assert code == 0
    assert stored_state() == before
    assert sorted(Invitation.objects.values_list("tenant_id", "email", "role", "expires_at")) == invitations
    assert sorted(GitHubCredential.objects.values_list("tenant_id", "token_encrypted")) == credentials
    assert "tenants: 0 imported, 0 merged, 2 skipped" in out
    assert "days of traffic: 0 imported, 0 merged, 4 skipped" in out
    assert "nothing new" in out


def test_it_merges_with_collected_days_by_maximum(world, tmp_path):
    daily_counts_merge(repo_id=world.repo_a.pk, tenant_id=world.tenant_a.pk, counts={
        date(2024, 5, 1): Counts(views=10, unique_views=9, clones=9, unique_clones=1),
        date(2024, 5, 3): Counts(views=1, unique_views=1, clones=0, unique_clones=0),
    })
    code, out, _ = run_import("seed", "--source-url", seed_db(tmp_path / "gts.db"))
    assert code == 0
    rows = {row.date: (row.views, row.unique_views, row.clones, row.unique_clones)
            for row in DailyTraffic.objects.filter(repository=world.repo_a)}
    assert rows[date(2024, 5, 1)] == (30, 9, 9, 2)
    assert rows[date(2024, 5, 3)] == (1, 1, 0, 0)
    assert "days of traffic: 3 imported, 1 merged, 0 skipped" in out
    assert_rollups_exact(world.tenant_a)


def test_it_keeps_a_credential_configured_here(world, tmp_path):
    from tenants.services import github_credential_set

    github_credential_set(tenant=world.tenant_a, token="ghp_keptHERE")
    code, out, _ = run_import("seed", "--source-url", seed_db(tmp_path / "gts.db"))
    assert code == 0
    assert decrypt_secret(GitHubCredential.objects.get(tenant=world.tenant_a).token_encrypted) == "ghp_keptHERE"
    assert "acme: kept the GitHub credential configured here" in out


def test_it_makes_a_limited_viewer_of_whoever_accepts_a_repository_stats_invitation(world, tmp_path):
    assert run_import("seed", "--source-url", seed_db(tmp_path / "gts.db"))[0] == 0
    rex = User.objects.create_user("rex", "rex@initech.test", "x")
    invitation = Invitation.objects.get(email="rex@initech.test")
    membership = invitation_respond(invitation=invitation, user=rex, accept=True)
    assert membership.role == Role.VIEWER and membership.repository_limited
    assert [repo.full_name for repo in membership.limited_to.all()] == ["initech/tps-reports"]
    tina = User.objects.create_user("tina", "tina@initech.test", "x")
    membership = invitation_respond(invitation=Invitation.objects.get(email="tina@initech.test"), user=tina,
                                    accept=True)
    assert not membership.repository_limited
    assert Membership.objects.filter(user=tina).count() == 1


@pytest.mark.parametrize(("traffic", "message"), [
    ([(10, "2024-05-01", 30, 7, 4, 2), (10, "2024-05-02", -1, 0, 0, 0)],
     "table repotraffic, row 2: viewcount: -1 is out of range"),
    ([(10, "May 1st", 30, 7, 4, 2)], "table repotraffic, row 1: tdate: 'May 1st' is not an ISO 8601 time"),
    ([(99, "2024-05-01", 1, 1, 1, 1)], "table repotraffic, row 1: rid 99 is not in repos"),
])
def test_it_refuses_a_malformed_source_naming_table_and_row_and_imports_nothing(world, tmp_path, traffic, message):
    code, _, err = run_cli("seed", "--source-url", seed_db(tmp_path / "gts.db", traffic=traffic))
    assert code == 2
    assert message in err and "gts.db" in err
    assert len(err.strip().splitlines()) == 1
    assert not Tenant.objects.filter(slug="initech").exists()
    assert not DailyTraffic.objects.exists()
    assert not Invitation.objects.exists()


def test_it_exits_2_for_a_source_it_cannot_read(world, tmp_path):
    code, _, err = run_cli("seed", "--source-url", "mysql://x/y")
    assert code == 2 and "--source-url must be db2://" in err
    code, _, err = run_cli("seed", "--source-url", f"sqlite:///{tmp_path}/missing.db")
    assert code == 2 and "missing.db" in err
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    code, _, err = run_cli("seed", "--source-url", f"sqlite:///{empty}")
    assert code == 2 and "table ghorgusers: cannot read" in err
    code, _, err = run_cli("seed")
    assert code == 2 and "--source-url" in err
    code, _, err = run_cli("seed", "--source-url", "db2://user:secret@/")
    assert code == 2 and "db2 URLs look like" in err and "secret" not in err


def test_it_e_mails_the_invitations_it_creates_only_when_asked(world, tmp_path, mailoutbox,
                                                              django_capture_on_commit_callbacks):
    url = seed_db(tmp_path / "gts.db")
    with django_capture_on_commit_callbacks(execute=True):
        assert run_import("seed", "--source-url", url)[0] == 0
    assert mailoutbox == []
    Invitation.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert run_import("seed", "--source-url", url, "--notify")[0] == 0
    assert sorted(message.to[0] for message in mailoutbox) == sorted(Invitation.objects.values_list("email",
                                                                                                     flat=True))


def test_it_shows_the_limit_on_the_members_page_and_an_admins_new_invitation_lifts_it(world, tmp_path):
    from tenants.services import invitation_create

    assert run_import("seed", "--source-url", seed_db(tmp_path / "gts.db"))[0] == 0
    initech = Tenant.objects.get(slug="initech")
    peter = User.objects.create_user("peter", "peter@initech.test", "x")
    Membership.objects.create(user=peter, tenant=initech, role=Role.ADMIN)
    page = world.client_for(peter).get("/t/initech/settings/members/").content.decode()
    assert "of initech/tps-reports only" in page
    invitation = invitation_create(tenant=initech, email="rex@initech.test", role=Role.VIEWER)
    assert not invitation.repository_limited and not invitation.limited_to.exists()


def test_it_reads_db2_through_ibm_db_dbi(world, tmp_path, monkeypatch):
    """The Db2 path: the URL becomes IBM's connection string; the rows are read through DB-API (here the
    fake driver hands out a SQLite connection to the same tables)."""
    import sys
    import types

    seed_db(tmp_path / "gts.db")
    calls = []
    driver = types.ModuleType("ibm_db_dbi")
    driver.connect = lambda dsn, user, password: calls.append(dsn) or sqlite3.connect(tmp_path / "gts.db")
    monkeypatch.setitem(sys.modules, "ibm_db_dbi", driver)
    code, _, err = run_import("seed", "--source-url", "db2://db2inst1:p%40ss@db.example:50001/GTS?schema=TRAFFIC")
    assert code == 0, err
    assert calls == ["DATABASE=GTS;HOSTNAME=db.example;PORT=50001;PROTOCOL=TCPIP;UID=db2inst1;PWD=p@ss;"
                     "CURRENTSCHEMA=TRAFFIC;"]
    assert Tenant.objects.filter(slug="initech").exists()


def test_it_says_so_when_the_db2_driver_is_missing(world, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "ibm_db_dbi", None)
    code, _, err = run_cli("seed", "--source-url", "db2://u:secret@db.example:50000/GTS")
    assert code == 2
    assert "reading Db2 needs IBM's driver: pip install ibm_db" in err and "secret" not in err
