"""Names GitHub sends (a repository body, a 301 rename, the repository list) are validated like user
input: a name that cannot be routed as /<owner>/<name>/ is never stored; the item fails saying why."""

from __future__ import annotations

import pytest

from repos import services
from repos.models import Repository
from stats.models import CollectionRun, RunItem
from tests.collection_support import give_token
from tests.test_collection_services import DAY, collect

BAD_NAMES = ["acme/rocket/extra", "acme/..", "acme/a b", "ac me/rocket", "acme/rocket\n", "acme/<script>", "acme/"]


@pytest.fixture
def gh(fake_github, world):
    give_token(world.tenant_a)
    fake_github.add_repo("acme/rocket", github_id=world.repo_a.github_id)
    fake_github.set_today(DAY)
    return fake_github


def _assert_refused(world, run, bad_name: str) -> None:
    item = RunItem.objects.get(run=run, repository=world.repo_a)
    assert item.status == RunItem.Status.FAILED
    assert "not a valid owner/name" in item.error and repr(bad_name) in item.error
    repo = Repository.objects.get(pk=world.repo_a.pk)
    assert (repo.owner, repo.name) == ("acme", "rocket")
    assert "not a valid owner/name" in repo.last_error
    client = world.client_for(world.viewer_a)
    for page in ("/t/acme/", "/t/acme/repos/", "/t/acme/repos/acme/rocket/", "/t/acme/traffic/"):
        assert client.get(page).status_code == 200, page


@pytest.mark.parametrize("bad_name", BAD_NAMES)
def test_it_refuses_a_bad_name_in_the_repository_body(gh, world, bad_name):
    gh.report_name("acme/rocket", bad_name)
    run = collect(world.tenant_a, gh=gh)
    assert run.status == CollectionRun.Status.FAILED
    _assert_refused(world, run, bad_name)


def test_it_refuses_a_bad_name_behind_a_rename(gh, world):
    gh.rename_repo("acme/rocket", "acme/booster")
    gh.report_name("acme/booster", "acme/boo/ster")
    run = collect(world.tenant_a, gh=gh)
    _assert_refused(world, run, "acme/boo/ster")
    assert gh.request_count(path_contains="/repositories/") == 1  # the 301 was followed, then refused


def test_it_still_follows_a_valid_rename(gh, world):
    gh.rename_repo("acme/rocket", "acme/booster")
    collect(world.tenant_a, gh=gh)
    repo = Repository.objects.get(pk=world.repo_a.pk)
    assert (repo.owner, repo.name, repo.last_error) == ("acme", "booster", "")


def test_it_leaves_bad_names_out_of_the_import_list(gh, world):
    gh.add_repo("acme/fine-one")
    gh.add_repo("acme/slashed")
    gh.report_name("acme/slashed", "acme/sla/shed")
    gh.add_repo("acme/spaced")
    gh.report_name("acme/spaced", "acme/spa ced")
    gh.add_repo("acme/dotgit")
    gh.report_name("acme/dotgit", "acme/x.git/y")
    listed = [info.full_name for info in services.github_repositories(tenant=world.tenant_a)]
    assert sorted(listed) == ["acme/fine-one", "acme/rocket"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_it_splits_only_names_github_could_send(name):
    with pytest.raises(services.RepositoryNameInvalid):
        services.split_full_name(name)
    assert services.split_full_name("Acme-1/rocket.js_v2") == ("Acme-1", "rocket.js_v2")


def test_it_refuses_a_bad_name_in_the_store_even_when_the_fetch_let_it_through(gh, world, monkeypatch):
    from stats.collection import fetch

    monkeypatch.setattr(fetch, "split_full_name", lambda full_name: ("", ""))
    gh.report_name("acme/rocket", "acme/rocket/extra")
    run = collect(world.tenant_a, gh=gh)
    item = RunItem.objects.get(run=run, repository=world.repo_a)
    assert item.status == RunItem.Status.FAILED and "GitHub sent an invalid name" in item.error
    assert Repository.objects.filter(owner="acme", name="rocket").count() == 1
