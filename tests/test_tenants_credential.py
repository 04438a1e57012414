"""The tenant's GitHub credential: stored encrypted, never shown, and its API URL override limited to
https hosts the operator allowed (no SSRF)."""

import pytest
from django.contrib.auth.models import User
from django.db import connection

from tenants.crypto import SecretDecryptionError, decrypt_secret, encrypt_secret
from tenants.models import GitHubCredential
from tenants.services import github_credential_set

TOKEN = "ghp_exampleSecretToken1234567890abcd"


def test_it_stores_only_ciphertext(world):
    credential = github_credential_set(tenant=world.tenant_a, token=TOKEN)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT token_encrypted, token_last4 FROM tenants_githubcredential WHERE id = %s", [credential.pk]
        )
        stored, last4 = cursor.fetchone()
    assert TOKEN not in stored
    assert last4 == "abcd"
    assert decrypt_secret(stored) == TOKEN


def test_it_replaces_the_token_in_place(world):
    github_credential_set(tenant=world.tenant_a, token=TOKEN)
    github_credential_set(tenant=world.tenant_a, token="ghp_other_wxyz")
    credential = GitHubCredential.objects.get(tenant=world.tenant_a)
    assert decrypt_secret(credential.token_encrypted) == "ghp_other_wxyz"
    assert credential.display == "configured, ends with …wxyz"


def test_it_rejects_an_empty_token(world):
    with pytest.raises(ValueError):
        github_credential_set(tenant=world.tenant_a, token="   ")


def test_it_decrypts_with_an_older_key_after_rotation(settings):
    old_key = "Hqt3b1jvUQ_ZZ2lQ3dDDsRw9LDyVrFoxF2yxbm8ty3o="
    new_key = "pR4E1z9mq8V2k7Xn0b6cT3yU5wA1sD9fG8hJ2kL4mN0="
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    ciphertext = encrypt_secret(TOKEN)
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    assert decrypt_secret(ciphertext) == TOKEN
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    with pytest.raises(SecretDecryptionError) as error:
        decrypt_secret(ciphertext)
    assert TOKEN not in str(error.value)


def test_it_never_renders_the_token_in_the_admin(world, client):
    credential = github_credential_set(tenant=world.tenant_a, token=TOKEN)
    admin = User.objects.create_superuser("root", "root@example.com", "pw-for-admin-123")
    client.force_login(admin)
    for url in ["/admin/tenants/githubcredential/", f"/admin/tenants/githubcredential/{credential.pk}/change/"]:
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert TOKEN not in html
        assert credential.token_encrypted not in html
        assert "…abcd" in html


def test_it_sets_the_token_through_the_admin_form(world, client):
    admin = User.objects.create_superuser("root", "root@example.com", "pw-for-admin-123")
    client.force_login(admin)
    response = client.post(
        "/admin/tenants/githubcredential/add/", {"tenant": world.tenant_b.pk, "api_url": "", "token": TOKEN}
    )
    assert response.status_code == 302
    credential = GitHubCredential.objects.get(tenant=world.tenant_b)
    assert decrypt_secret(credential.token_encrypted) == TOKEN


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
