"""Repository services: name parsing, add, and import through the real GitHub client against FakeGitHub."""

from __future__ import annotations

import pytest

from repos import services
from repos.models import Repository
from tenants.services import github_credential_set

fake_github = pytest.importorskip("devtools.fake_github", reason="the collection engine's FakeGitHub is not there")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("octo/rocket", ("octo", "rocket")),
        (" https://github.com/Octo-Org/my.repo_x.git ", ("Octo-Org", "my.repo_x")),
        ("github.com/octo/rocket/", ("octo", "rocket")),
    ],
)
def test_it_parses_repository_names(text, expected):
    assert services.parse_full_name(text) == expected


@pytest.mark.parametrize("text", ["octo", "octo/", "/rocket", "-octo/r", "octo-/r", "octo--x/r", "a/b/c", "o/..",
                                  "o/a b", "x" * 40 + "/r", "o/" + "r" * 101])
def test_it_rejects_names_github_could_not_have(text):
    with pytest.raises(services.RepositoryNameInvalid):
        services.parse_full_name(text)


def test_it_imports_every_page_of_repositories_from_github(world, settings):
    with fake_github.FakeGitHub() as gh:
        settings.GITHUB_API_URL = gh.url
        for index in range(130):  # more than one page of 100
            gh.add_repo(f"acme/lib{index:03d}")
        gh.add_repo("acme/rocket", github_id=1001)
        gh.add_repo("other-org/tool")
        github_credential_set(tenant=world.tenant_a, token="ghp_test_token_1234")
        everything = services.github_repositories(tenant=world.tenant_a)
        assert len(everything) == 132 and "other-org/tool" in [info.full_name for info in everything]
        only_org = services.github_repositories(tenant=world.tenant_a, org="other-org")
        assert [info.full_name for info in only_org] == ["other-org/tool"]
        result = services.repositories_import(tenant=world.tenant_a, repositories=everything)
    assert (len(result.added), result.existing) == (131, 1)
    assert Repository.objects.filter(tenant=world.tenant_a).exclude(pk=world.repo_a_hidden.pk).count() == 132
    assert Repository.objects.get(tenant=world.tenant_a, owner="other-org", name="tool").github_id is not None


def test_it_explains_why_an_import_cannot_run(world, settings):
    with pytest.raises(services.ImportUnavailable, match="no GitHub token configured"):
        services.github_repositories(tenant=world.tenant_a)
    with fake_github.FakeGitHub() as gh:
        settings.GITHUB_API_URL = gh.url
        github_credential_set(tenant=world.tenant_a, token="ghp_test_token_1234")
        with pytest.raises(services.ImportUnavailable, match="GitHub did not list"):
            services.github_repositories(tenant=world.tenant_a, org="no-such-org")
