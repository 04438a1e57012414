"""Helpers shared by the collection tests (credential, fake repos matching Repository rows)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from devtools.fake_github import FakeGitHub
from repos.models import Repository
from tenants.crypto import encrypt_secret
from tenants.models import GitHubCredential, Tenant

TOKEN = "ghp_TESTTOKEN0123456789abcdefSECRET"


def give_token(tenant: Tenant, token: str = TOKEN, api_url: str = "") -> GitHubCredential:
    return GitHubCredential.objects.update_or_create(
        tenant=tenant,
        defaults={"token_encrypted": encrypt_secret(token), "token_last4": token[-4:], "api_url": api_url},
    )[0]


def follow(gh: FakeGitHub, tenant: Tenant, full_name: str, *, visitors: int = 40) -> Repository:
    """A repository that exists on the fake and is followed by `tenant`."""
    fake = gh.add_repo(full_name, visitors=visitors)
    owner, name = full_name.split("/")
    return Repository.objects.create(tenant=tenant, owner=owner, name=name, github_id=fake.github_id)


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
