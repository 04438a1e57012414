"""SSRF through a tenant's API URL override: every way of smuggling an internal address past the
allow-list is refused when saved, and every connection checks the address it really reaches (DNS may
answer differently later). Name resolution is faked: no test touches the real DNS."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

from common import egress
from repos.clients import github_client_for_tenant
from repos.github import GitHubAddressRefused, GitHubClient
from repos.services import ImportUnavailable, github_repositories
from tenants.models import GitHubCredential
from tenants.services import github_credential_set

PUBLIC = "93.184.216.34"


class FakeDNS:
    """socket.getaddrinfo with a table of answers; a name may answer differently from one call to the next."""

    def __init__(self) -> None:
        self.answers: dict[str, list[str]] = {
            "ghe.example.com": [PUBLIC],
            "internal.example.com": ["127.0.0.1"],
            "metadata.example.com": ["169.254.169.254"],
            "ec2v6.example.com": ["fd00:ec2::254"],
            "mixed.example.com": [PUBLIC, "10.0.0.5"],
            "mapped.example.com": ["::ffff:127.0.0.1"],
            "localhost": ["127.0.0.1", "::1"],
        }
        self.lookups: list[str] = []
        self._real: Callable = socket.getaddrinfo

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        self.lookups.append(str(host))
        try:
            # IP literals (the connection after a checked lookup) resolve as themselves, without DNS.
            return self._real(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)
        except socket.gaierror:
            pass
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        result = []
        for address in self.answers[host]:
            family_of = socket.AF_INET6 if ":" in address else socket.AF_INET
            sockaddr = (address, port, 0, 0) if family_of == socket.AF_INET6 else (address, port)
            result.append((family_of, socket.SOCK_STREAM, 6, "", sockaddr))
        return result


@pytest.fixture
def dns(monkeypatch) -> FakeDNS:
    fake = FakeDNS()
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


ALLOWED = [
    "ghe.example.com", "internal.example.com", "metadata.example.com", "ec2v6.example.com", "mixed.example.com",
    "mapped.example.com", "localhost", "127.0.0.1", "2130706433", "0x7f000001", "0177.0.0.1", "127.1", "::1",
    "[::1]", "169.254.169.254",
]


@pytest.mark.parametrize(
    "url",
    [
        # Python's urlsplit sees ghe.example.com; urllib3 (what requests connects with) sees 127.0.0.1:8297.
        "https://127.0.0.1:8297\\@ghe.example.com",
        "https://127.0.0.1:8297\\@ghe.example.com/api/v3",
        "https://ghe.example.com\\@127.0.0.1/",
        "https://user:pass@ghe.example.com/api/v3",
        "https://ghe.example.com@127.0.0.1/",
        "https://127.0.0.1#@ghe.example.com/",
        "https://127.0.0.1?@ghe.example.com/",
        "https://ghe.example.com:8297/api/v3",
        "https://ghe.example.com:0/",
        "https://2130706433/",
        "https://0x7f000001/",
        "https://0177.0.0.1/",
        "https://127.1/",
        "https://127.0.0.1/",
        "https://[::1]/",
        "https://169.254.169.254/latest/meta-data/",
        "https://localhost/",
        "https://internal.example.com/",
        "https://metadata.example.com/",
        "https://ec2v6.example.com/",
        "https://mixed.example.com/",
        "https://mapped.example.com/",
        "https://ghe.example.com/api/v3\x00",
        "https://ghe.example.com/api\r\nX-Injected: 1",
        "https://ghe.example.com\t/api/v3",
        "https://ghe\uff0eexample.com/api/v3",
        "https://ghe.example.com/api/v3?per_page=1",
        "http://ghe.example.com/api/v3",
    ],
)
def test_it_refuses_every_bypass_form(world, settings, dns, url):
    settings.GITHUB_API_ALLOWED_HOSTS = ALLOWED
    with pytest.raises(ValueError, match="API URL"):
        github_credential_set(tenant=world.tenant_a, token="ghp_x_1234", api_url=url)
    assert not GitHubCredential.objects.exists()


@pytest.mark.parametrize(
    ("allowed", "url"),
    [
        (["ghe.example.com"], "https://GHE.example.com/api/v3"),
        (["ghe.example.com"], "https://ghe.example.com:443/api/v3"),
        (["ghe.example.com:8443"], "https://ghe.example.com:8443/api/v3"),
    ],
)
def test_it_accepts_allowed_hosts_and_explicitly_allowed_ports(world, settings, dns, allowed, url):
    settings.GITHUB_API_ALLOWED_HOSTS = allowed
    assert github_credential_set(tenant=world.tenant_a, token="ghp_x_1234", api_url=url).api_url == url
    assert "ghe.example.com" in dns.lookups


def test_it_refuses_the_parser_confusion_url_in_the_api(world, settings, dns):
    settings.GITHUB_API_ALLOWED_HOSTS = ["ghe.example.com"]
    response = world.client_for(world.owner_a).put(
        "/api/v1/t/acme/github-credential/",
        {"token": "ghp_x_1234", "api_url": "https://127.0.0.1:8297\\@ghe.example.com/"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("api_url")
    assert not GitHubCredential.objects.exists()


def test_it_refuses_a_name_that_resolves_to_loopback_after_it_was_saved(world, settings, dns, fake_github):
    # Saved while the name answered a public address; by the time the collector connects it answers
    # 127.0.0.1 (DNS rebinding) at the port where a real HTTP server listens.
    port = int(fake_github.url.rsplit(":", 1)[1])
    settings.GITHUB_API_ALLOWED_HOSTS = [f"rebind.example.com:{port}"]
    dns.answers["rebind.example.com"] = [PUBLIC]
    github_credential_set(tenant=world.tenant_a, token="ghp_x_1234", api_url=f"https://rebind.example.com:{port}")
    dns.answers["rebind.example.com"] = ["127.0.0.1"]
    fake_github.add_repo("acme/listed")

    with pytest.raises(ImportUnavailable, match=r"127\.0\.0\.1 is a loopback address"):
        github_repositories(tenant=world.tenant_a)
    assert fake_github.request_count() == 0


def test_it_checks_the_peer_on_every_connection_of_an_override_client(world, dns, fake_github):
    fake_github.add_repo("acme/rocket")
    client = GitHubClient(token="ghp_x_1234", base_url=fake_github.url, public_addresses_only=True)
    with client, pytest.raises(GitHubAddressRefused, match="loopback"):
        client.repository("acme/rocket")
    assert fake_github.request_count() == 0
    # The server's own GITHUB_API_URL is trusted (the fake GitHub on 127.0.0.1 keeps working).
    with GitHubClient(token="ghp_x_1234", base_url=fake_github.url) as client:
        assert client.repository("acme/rocket").status == 200


def test_it_connects_to_the_address_it_checked_not_to_a_second_answer(world, dns, fake_github, monkeypatch):
    # Loopback is let through here only to have a server to reach; the name answers once, then changes.
    monkeypatch.setattr(egress, "address_refusal", lambda address: None)
    port = fake_github.url.rsplit(":", 1)[1]
    fake_github.add_repo("acme/rocket")
    dns.answers["flip.example.com"] = ["127.0.0.1"]
    with GitHubClient(token="ghp_x_1234", base_url=f"http://flip.example.com:{port}", public_addresses_only=True,
                      retries=0) as client:
        original = dns.__call__

        def answer_then_flip(*args, **kwargs):
            result = original(*args, **kwargs)
            if args[0] == "flip.example.com":
                dns.answers["flip.example.com"] = ["192.0.2.1"]  # would not be connectable
            return result

        monkeypatch.setattr(socket, "getaddrinfo", answer_then_flip)
        assert client.repository("acme/rocket").status == 200
    assert fake_github.request_count() == 1


def test_it_guards_only_override_urls_in_the_tenant_client(world, settings, fake_github):
    github_credential_set(tenant=world.tenant_a, token="ghp_x_1234")
    with github_client_for_tenant(tenant=world.tenant_a) as client:
        assert client.session.get_adapter(client.base_url).__class__.__name__ == "HTTPAdapter"
    GitHubCredential.objects.filter(tenant=world.tenant_a).update(api_url="https://127.0.0.1:8297\\@ghe.example.com")
    with github_client_for_tenant(tenant=world.tenant_a) as client:
        assert client.session.get_adapter("https://ghe.example.com").__class__.__name__ == "PublicAddressAdapter"
        with pytest.raises(GitHubAddressRefused, match=r"127\.0\.0\.1 is a loopback address"):
            client.repository("acme/rocket")
