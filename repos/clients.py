"""The GitHub client of a tenant, shared by import and collection: its GitHub App installation's tokens
(refreshed as they expire), or its decrypted personal token and API URL."""

from __future__ import annotations

from django.conf import settings

from repos.github import ErrorCode, GitHubClient, RateBudget
from repos.github_app import GitHubAppError, InstallationGone, InstallationSuspended, installation_token_provider
from tenants.app_installations import github_app_installation_suspend, github_app_installation_unlink
from tenants.models import GitHubAppInstallation, Tenant
from tenants.selectors import CredentialUnavailable, github_app_installation_of, github_credential_secret


class CredentialError(Exception):
    """The tenant has no usable GitHub credential; the message says what to do, `code` why."""

    def __init__(self, message: str, *, code: ErrorCode) -> None:
        super().__init__(message)
        self.code = code


def github_client_for_tenant(
    *, tenant: Tenant, concurrency: int | None = None, budget: RateBudget | None = None
) -> GitHubClient:
    """A client with the tenant's credential; raises CredentialError with a readable reason."""
    installation = github_app_installation_of(tenant=tenant)
    if installation is not None:
        return _installation_client(installation=installation, concurrency=concurrency, budget=budget)
    try:
        secret = github_credential_secret(tenant=tenant)
    except CredentialUnavailable as exc:
        code = ErrorCode.NO_CREDENTIAL if exc.missing else ErrorCode.BAD_CREDENTIAL
        raise CredentialError(str(exc), code=code) from None
    return GitHubClient(
        token=secret.token,
        base_url=secret.api_url or settings.GITHUB_API_URL,
        pool_size=concurrency or settings.COLLECT_CONCURRENCY,
        budget=budget,
        # The server's own GITHUB_API_URL is trusted; a tenant's override may only reach public addresses.
        public_addresses_only=bool(secret.api_url),
    )


def _installation_client(
    *, installation: GitHubAppInstallation, concurrency: int | None, budget: RateBudget | None
) -> GitHubClient:
    provider = installation_token_provider(installation_id=installation.installation_id)
    try:
        # Fail before any repository is tried, with one reason for all of them.
        provider(False)
    except InstallationSuspended as exc:
        if installation.suspended_at is None:
            github_app_installation_suspend(installation=installation, suspended=True)
        raise CredentialError(str(exc), code=ErrorCode.APP_SUSPENDED) from None
    except InstallationGone:
        message = installation_revoked_message(account=installation.account)
        github_app_installation_unlink(installation=installation, warning=message)
        raise CredentialError(message, code=ErrorCode.APP_UNINSTALLED) from None
    except GitHubAppError as exc:
        raise CredentialError(str(exc), code=ErrorCode.BAD_CREDENTIAL) from None
    if installation.suspended_at is not None:
        # GitHub issues tokens again: the webhook announcing the unsuspension was missed.
        github_app_installation_suspend(installation=installation, suspended=False)
    return GitHubClient(
        token_provider=provider,
        base_url=settings.GITHUB_API_URL,
        pool_size=concurrency or settings.COLLECT_CONCURRENCY,
        budget=budget,
    )


def installation_revoked_message(*, account: str) -> str:
    return (
        f"the GitHub App was uninstalled from {account} (or its installation revoked): it is unlinked from this "
        "tenant; connect the GitHub App again in Settings → GitHub credential, or add a token"
    )
