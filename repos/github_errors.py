"""Why a GitHub call failed: error codes stored with failed collections, and the client's exceptions
(each message is actionable and safe to store and show; `code` is its cause for hints and alerts)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum


class ErrorCode(StrEnum):
    """Why collecting a repository failed: stored with each failed run item and on the repository, so
    the fix hint and any alert key on the cause, never on the wording of a message."""

    NO_CREDENTIAL = "no_credential"
    BAD_CREDENTIAL = "bad_credential"
    NO_PUSH_ACCESS = "no_push_access"
    APP_PERMISSION_MISSING = "app_permission_missing"
    APP_SUSPENDED = "app_suspended"
    APP_UNINSTALLED = "app_uninstalled"
    ACCESS_DENIED = "access_denied"
    NOT_FOUND = "not_found"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    ADDRESS_REFUSED = "address_refused"
    BAD_RESPONSE = "bad_response"
    REPOSITORY_REPLACED = "repository_replaced"
    RENAME_CONFLICT = "rename_conflict"
    STORE_FAILED = "store_failed"
    NOT_REACHED = "not_reached"
    ABANDONED = "abandoned"
    UNEXPECTED = "unexpected"


class GitHubError(Exception):
    """A request failed; `str(exc)` is an actionable message safe to store and show, `code` its cause."""

    code: ErrorCode = ErrorCode.UNEXPECTED

    def __init__(self, message: str, *, status: int | None = None, code: ErrorCode | None = None) -> None:
        super().__init__(message)
        self.status = status
        if code is not None:
            self.code = code


class GitHubAccessError(GitHubError):
    code = ErrorCode.ACCESS_DENIED


class GitHubNotFound(GitHubError):
    code = ErrorCode.NOT_FOUND


class GitHubUnauthorized(GitHubError):
    code = ErrorCode.BAD_CREDENTIAL


class GitHubBadResponse(GitHubError):
    code = ErrorCode.BAD_RESPONSE


class GitHubUnavailable(GitHubError):
    code = ErrorCode.UNREACHABLE


class GitHubAddressRefused(GitHubError):
    """A tenant-supplied API URL (or a redirect) led to a non-public address: never connected to."""

    code = ErrorCode.ADDRESS_REFUSED


class GitHubRateLimited(GitHubError):
    """The credential's budget is spent until `until`; the run stops cleanly and resumes later."""

    code = ErrorCode.RATE_LIMITED

    def __init__(self, until: datetime) -> None:
        super().__init__(f"rate limited until {until.strftime('%Y-%m-%d %H:%M:%S UTC')}", status=403)
        self.until = until
