"""A tenant's API URL override may only point at https hosts the operator allowed (no SSRF)."""

import pytest

from tenants.models import GitHubCredential
from tenants.services import github_credential_set


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://ghe.example.com/api/v3", "https"),
        ("https://169.254.169.254/latest", "not in GITHUB_API_ALLOWED_HOSTS"),
        ("https://localhost:6379/", "not in GITHUB_API_ALLOWED_HOSTS"),
    ],
)
def test_it_refuses_urls_outside_the_allowed_hosts(world, settings, url, message):
    settings.GITHUB_API_ALLOWED_HOSTS = ["ghe.example.com"]
    with pytest.raises(ValueError, match=message):
        github_credential_set(tenant=world.tenant_a, token="ghp_x_1234", api_url=url)
    assert not GitHubCredential.objects.exists()


def test_it_refuses_every_override_when_none_is_allowed(world, settings):
    settings.GITHUB_API_ALLOWED_HOSTS = []
    with pytest.raises(ValueError, match="overrides are disabled"):
        github_credential_set(tenant=world.tenant_a, token="ghp_x_1234", api_url="https://ghe.example.com/api/v3")


def test_it_accepts_an_allowed_enterprise_host(world, settings):
    settings.GITHUB_API_ALLOWED_HOSTS = ["ghe.example.com"]
    credential = github_credential_set(
        tenant=world.tenant_a, token="ghp_x_1234", api_url="https://GHE.example.com/api/v3"
    )
    assert credential.api_url == "https://GHE.example.com/api/v3"


def test_it_answers_400_in_the_api_and_a_form_error_in_the_settings_page(world, settings):
    settings.GITHUB_API_ALLOWED_HOSTS = []
    client = world.client_for(world.owner_a)
    response = client.put(
        "/api/v1/t/acme/github-credential/",
        {"token": "ghp_x_1234", "api_url": "https://10.0.0.1/"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "api_url" in response.json()["error"]
    page = client.post("/t/acme/settings/credential/", {"token": "ghp_x_1234", "api_url": "https://10.0.0.1/"})
    assert page.status_code == 200
    assert "overrides are disabled" in page.content.decode()
    assert not GitHubCredential.objects.exists()
