"""The fake GitHub's App side: an App with a throwaway RSA key, installations and their repositories,
installation tokens (`ghs_…`, longer than 40 characters) that expire after `token_ttl` seconds, and
signed webhook deliveries for tests to post to `/hooks/github/`.

    with FakeGitHub() as gh:
        app = gh.enable_app(app_id=4242)              # settings: GITHUB_APP_ID / GITHUB_APP_PRIVATE_KEY
        gh.add_repo("acme/rocket")
        app.add_installation(77, "acme", ["acme/rocket"])
        body, headers = app.delivery("installation_repositories", app.grant(77, ["acme/new"]), secret="s")
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from devtools.fake_github_types import DOC_URL, TokenBudget

if TYPE_CHECKING:
    from devtools.fake_github import FakeGitHub
    from devtools.fake_github_http import GitHubHandler


@lru_cache(maxsize=1)
def app_key_pair() -> tuple[str, str]:
    """(private PEM, public PEM) of a throwaway RSA key, made once per process."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return private, public


@dataclass
class FakeInstallation:
    installation_id: int
    account: str
    repositories: list[str] = field(default_factory=list)  # full names, as granted
    suspended: bool = False

    def has(self, full_name: str) -> bool:
        return full_name.lower() in {name.lower() for name in self.repositories}


@dataclass
class IssuedToken:
    installation_id: int
    expires_at: float
    requests: int = 0


class FakeGitHubApp:
    def __init__(self, github: FakeGitHub, *, app_id: int = 4242, token_ttl: float = 3600,
                 rate_limit: int = 12_500) -> None:
        self.github = github
        self.app_id = app_id
        self.private_key_pem, self.public_key_pem = app_key_pair()
        self.token_ttl = token_ttl
        self.rate_limit = rate_limit
        self.installations: dict[int, FakeInstallation] = {}
        self.tokens: dict[str, IssuedToken] = {}
        self.tokens_issued = 0
        self.jwt_requests = 0
        # A token answers 401 after this many requests (a token expiring mid-run, deterministically).
        self.expire_after_requests: int | None = None
        self._lock = threading.Lock()

    # --- the world -------------------------------------------------------------------------------
    def add_installation(self, installation_id: int, account: str, repositories: list[str] | None = None,
                         ) -> FakeInstallation:
        installation = FakeInstallation(installation_id, account, list(repositories or []))
        with self._lock:
            self.installations[installation_id] = installation
            reset = int(self.github.clock() + 3600)
            self.github.budgets[self.budget_key(installation_id)] = TokenBudget(
                self.rate_limit, self.rate_limit, reset
            )
        return installation

    @staticmethod
    def budget_key(installation_id: int) -> str:
        # GitHub counts an installation's budget across all its tokens.
        return f"installation:{installation_id}"

    def expire_tokens(self) -> None:
        """Every token issued so far is refused from now on (401), as after its expiry."""
        with self._lock:
            for issued in self.tokens.values():
                issued.expires_at = 0.0

    # --- webhook payloads (they change the world too) -------------------------------------------
    def _repo_entry(self, full_name: str) -> dict[str, Any]:
        repo = self.github.repos[full_name.lower()]
        return {"id": repo.github_id, "node_id": f"R_{repo.github_id}", "name": repo.name,
                "full_name": repo.full_name, "private": repo.private}

    def _installation_entry(self, installation_id: int) -> dict[str, Any]:
        installation = self.installations[installation_id]
        return {"id": installation_id, "account": {"login": installation.account, "type": "Organization"},
                "app_id": self.app_id}

    def grant(self, installation_id: int, full_names: list[str]) -> dict[str, Any]:
        self.installations[installation_id].repositories.extend(full_names)
        return {"action": "added", "installation": self._installation_entry(installation_id),
                "repository_selection": "selected", "repositories_removed": [],
                "repositories_added": [self._repo_entry(name) for name in full_names]}

    def revoke(self, installation_id: int, full_names: list[str]) -> dict[str, Any]:
        installation = self.installations[installation_id]
        gone = {name.lower() for name in full_names}
        installation.repositories = [name for name in installation.repositories if name.lower() not in gone]
        return {"action": "removed", "installation": self._installation_entry(installation_id),
                "repository_selection": "selected", "repositories_added": [],
                "repositories_removed": [self._repo_entry(name) for name in full_names]}

    def rename(self, installation_id: int, old: str, new: str) -> dict[str, Any]:
        self.github.rename_repo(old, new)
        installation = self.installations[installation_id]
        installation.repositories = [new if name.lower() == old.lower() else name for name in installation.repositories]
        repo = self.github.repos[new.lower()]
        body = self.github.repo_body(repo)
        return {"action": "renamed", "changes": {"repository": {"name": {"from": old.split("/", 1)[1]}}},
                "repository": body, "installation": self._installation_entry(installation_id)}

    def uninstall(self, installation_id: int) -> dict[str, Any]:
        entry = self._installation_entry(installation_id)
        del self.installations[installation_id]
        return {"action": "deleted", "installation": entry, "repositories": []}

    def suspend(self, installation_id: int, suspended: bool = True) -> dict[str, Any]:
        self.installations[installation_id].suspended = suspended
        return {"action": "suspend" if suspended else "unsuspend",
                "installation": self._installation_entry(installation_id)}

    @staticmethod
    def delivery(event: str, payload: dict[str, Any], *, secret: str, delivery_id: str | None = None,
                 ) -> tuple[bytes, dict[str, str]]:
        """The body and headers GitHub would POST to the App's webhook URL."""
        body = json.dumps(payload).encode()
        signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return body, {"X-Hub-Signature-256": signature, "X-GitHub-Event": event,
                      "X-GitHub-Delivery": delivery_id or str(uuid.uuid4())}

    # --- authentication --------------------------------------------------------------------------
    def jwt_error(self, token: str) -> str | None:
        """Why GitHub would refuse this App JWT, or None."""
        try:
            claims = jwt.decode(token, self.public_key_pem, algorithms=["RS256"],
                                options={"require": ["iat", "exp", "iss"]})
        except jwt.PyJWTError:
            return "A JSON web token could not be decoded"
        if str(claims["iss"]) != str(self.app_id):
            return "Integration not found"
        if claims["exp"] - claims["iat"] > 660:
            return "'Expiration time' claim ('exp') is too far in the future"
        return None

    def issue_token(self, installation_id: int) -> tuple[str, float]:
        token = "ghs_" + secrets.token_urlsafe(45)  # installation tokens are not 40 characters
        expires = time.time() + self.token_ttl
        with self._lock:
            self.tokens[token] = IssuedToken(installation_id, expires)
            self.tokens_issued += 1
        return token, expires

    def installation_for_token(self, token: str) -> FakeInstallation | None:
        """The installation of a live token (None: unknown, expired or uninstalled)."""
        with self._lock:
            issued = self.tokens.get(token)
            if issued is None or issued.expires_at <= time.time():
                return None
            issued.requests += 1
            if self.expire_after_requests is not None and issued.requests > self.expire_after_requests:
                issued.expires_at = 0.0
                return None
            return self.installations.get(issued.installation_id)


def _stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def handle_app_request(handler: GitHubHandler, method: str, path: str, token: str) -> None:
    """`GET /app/installations/{id}` and `POST /app/installations/{id}/access_tokens`, JWT-authenticated."""
    app = handler.github.app
    parts = path.strip("/").split("/")
    if app is None or len(parts) < 3 or parts[:2] != ["app", "installations"] or not parts[2].isdigit():
        handler._send(404, {"message": "Not Found", "documentation_url": DOC_URL}, token=None)
        return
    app.jwt_requests += 1
    error = app.jwt_error(token) if token else "A JSON web token could not be decoded"
    if error:
        handler._send(401, {"message": error, "documentation_url": DOC_URL}, token=None)
        return
    installation = app.installations.get(int(parts[2]))
    if installation is None:
        handler._send(404, {"message": "Not Found", "documentation_url": DOC_URL}, token=None)
        return
    if method == "GET" and len(parts) == 3:
        handler._send(200, {
            "id": installation.installation_id, "app_id": app.app_id, "target_type": "Organization",
            "account": {"login": installation.account, "type": "Organization"},
            "repository_selection": "selected", "permissions": {"administration": "read", "metadata": "read"},
            "suspended_at": "2026-01-01T00:00:00Z" if installation.suspended else None,
        }, token=None)
        return
    if method == "POST" and parts[3:] == ["access_tokens"]:
        if installation.suspended:
            handler._send(403, {"message": "This installation has been suspended", "documentation_url": DOC_URL},
                          token=None)
            return
        issued, expires = app.issue_token(installation.installation_id)
        handler._send(201, {"token": issued, "expires_at": _stamp(expires), "repository_selection": "selected",
                            "permissions": {"administration": "read", "metadata": "read"}}, token=None)
        return
    handler._send(404, {"message": "Not Found", "documentation_url": DOC_URL}, token=None)
