"""GitHub App authentication: the App's JWT, its installations, and installation tokens.

The App signs a short JWT (RS256) with its private key; GitHub exchanges it for an installation token
(`ghs_…`, about an hour). Tokens live only in this process's memory, are refreshed a few minutes before
`expires_at` or when GitHub refuses one (401), and are never logged: errors carry GitHub's status only.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import jwt
import requests
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from repos.github import GitHubError, TokenProvider, response_message

# A token this close to its expiry is replaced before use: a request never leaves with a dying one.
REFRESH_MARGIN_SECONDS = 300
# GitHub accepts App JWTs of at most 10 minutes; the clock-drift allowance goes backwards.
JWT_LIFETIME_SECONDS = 9 * 60
JWT_BACKDATE_SECONDS = 60

MSG_NOT_CONFIGURED = (
    "no GitHub App is configured on this server (GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY): "
    "ask the operator, or use a personal token"
)
MSG_BAD_KEY = "GITHUB_APP_PRIVATE_KEY is not a valid RSA private key (PEM): check the server configuration"
MSG_JWT_REFUSED = "GitHub refused the App's credentials: check GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY"
MSG_SUSPENDED = (
    "the GitHub App installation is suspended: an organisation owner can unsuspend it in the organisation's "
    "settings → GitHub Apps → Configure"
)


class GitHubAppError(GitHubError):
    """The App or one of its installations cannot be used; the message says what to do."""

    kind = "app"


class AppNotConfigured(GitHubAppError):
    pass


class InstallationGone(GitHubAppError):
    """The installation does not exist (never did, or the App was uninstalled)."""

    kind = "not_found"


class InstallationSuspended(GitHubAppError):
    kind = "no_access"


@dataclass(frozen=True)
class InstallationInfo:
    installation_id: int
    account: str
    suspended: bool


def app_configured() -> bool:
    return bool(settings.GITHUB_APP_ID and (settings.GITHUB_APP_PRIVATE_KEY or settings.GITHUB_APP_PRIVATE_KEY_FILE))


@sensitive_variables()
def _private_key() -> str:
    key = settings.GITHUB_APP_PRIVATE_KEY
    if not key and settings.GITHUB_APP_PRIVATE_KEY_FILE:
        try:
            key = Path(settings.GITHUB_APP_PRIVATE_KEY_FILE).read_text()
        except OSError:
            raise AppNotConfigured("GITHUB_APP_PRIVATE_KEY_FILE cannot be read: check the path") from None
    # One-line environment variables often carry the PEM's line breaks as a literal "\n".
    return key.replace("\\n", "\n")


@sensitive_variables()
def app_jwt(*, now: float | None = None) -> str:
    """The App's own credential: a JWT signed with its private key, valid for 9 minutes."""
    if not app_configured():
        raise AppNotConfigured(MSG_NOT_CONFIGURED)
    issued = int(time.time() if now is None else now)
    claims = {"iat": issued - JWT_BACKDATE_SECONDS, "exp": issued + JWT_LIFETIME_SECONDS,
              "iss": str(settings.GITHUB_APP_ID)}
    try:
        return jwt.encode(claims, _private_key(), algorithm="RS256")
    except (ValueError, TypeError, jwt.PyJWTError):
        raise AppNotConfigured(MSG_BAD_KEY) from None


@sensitive_variables()
def _app_request(method: str, path: str) -> requests.Response:
    headers = {
        "Authorization": f"Bearer {app_jwt()}",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": settings.GITHUB_API_VERSION,
        "User-Agent": "ghtraffic",
    }
    try:
        return requests.request(
            method, f"{settings.GITHUB_API_URL}{path}", headers=headers, timeout=settings.GITHUB_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise GitHubAppError(f"GitHub unreachable for {path}: {type(exc).__name__}") from None


def _raise_for(response: requests.Response, installation_id: int) -> None:
    if response.status_code == 401:
        raise GitHubAppError(MSG_JWT_REFUSED, status=401)
    if response.status_code == 404:
        raise InstallationGone(
            f"GitHub App installation {installation_id} does not exist: it was uninstalled, "
            "or belongs to another App",
            status=404,
        )
    if response.status_code == 403 and "suspended" in response_message(response).lower():
        raise InstallationSuspended(MSG_SUSPENDED, status=403)
    raise GitHubAppError(
        f"GitHub answered {response.status_code} for installation {installation_id}", status=response.status_code
    )


def installation_get(*, installation_id: int) -> InstallationInfo:
    """What GitHub says about one installation of this App (raises GitHubAppError subclasses)."""
    response = _app_request("GET", f"/app/installations/{int(installation_id)}")
    if response.status_code != 200:
        _raise_for(response, installation_id)
    try:
        body = response.json()
        account = str(body["account"]["login"])
    except (ValueError, KeyError, TypeError):
        raise GitHubAppError("GitHub sent an unexpected installation") from None
    return InstallationInfo(installation_id=int(installation_id), account=account,
                            suspended=body.get("suspended_at") is not None)


@sensitive_variables()
def _token_create(installation_id: int) -> tuple[str, float]:
    response = _app_request("POST", f"/app/installations/{int(installation_id)}/access_tokens")
    if response.status_code != 201:
        _raise_for(response, installation_id)
    try:
        body = response.json()
        token = str(body["token"])
        expires = datetime.fromisoformat(str(body["expires_at"]).replace("Z", "+00:00")).timestamp()
    except (ValueError, KeyError, TypeError):
        raise GitHubAppError("GitHub sent an unexpected installation token answer") from None
    if not token:
        raise GitHubAppError("GitHub sent an empty installation token")
    return token, expires


class InstallationTokens:
    """Installation tokens of this process, by (API URL, installation id); never written anywhere."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # One lock per installation: threads of a run never stampede a refresh, and a slow exchange
        # for one tenant does not hold up the others.
        self._locks: dict[tuple[str, int], threading.Lock] = {}
        self._tokens: dict[tuple[str, int], tuple[str, float]] = {}

    def __repr__(self) -> str:  # never print the tokens
        return f"InstallationTokens({len(self._tokens)} cached)"

    @sensitive_variables()
    def get(self, installation_id: int, *, refused: str | None = None) -> str:
        """A token valid for a while yet; `refused` is one GitHub just answered 401 to: replace it,
        unless another thread already did."""
        key = (settings.GITHUB_API_URL, int(installation_id))
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            cached = self._tokens.get(key)
            if cached is not None and cached[0] != refused and cached[1] - REFRESH_MARGIN_SECONDS > time.time():
                return cached[0]
            self._tokens.pop(key, None)
            token, expires = _token_create(installation_id)
            self._tokens[key] = (token, expires)
            return token

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()

    def forget(self, installation_id: int) -> None:
        """Drop the installation's token (unlinked, uninstalled): nothing of it stays in memory."""
        with self._lock:
            self._tokens.pop((settings.GITHUB_API_URL, int(installation_id)), None)


installation_tokens = InstallationTokens()


def installation_token_provider(*, installation_id: int) -> TokenProvider:
    """For GitHubClient(token_provider=…): the cached token, replaced on demand and after a 401."""
    last = threading.local()

    @sensitive_variables()
    def provide(refresh: bool) -> str:
        token = installation_tokens.get(installation_id, refused=getattr(last, "token", None) if refresh else None)
        last.token = token
        return token

    return provide
