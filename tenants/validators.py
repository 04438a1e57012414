"""Validation of a tenant's GitHub API URL override.

The collector sends the tenant's token to this URL and shows parts of the answers to members, so a
tenant admin must not be able to point it at an arbitrary (internal) address: only https URLs on
hosts the site operator allowed in GITHUB_API_ALLOWED_HOSTS (GitHub Enterprise) are accepted.

The URL is read with urllib3's parser, the one requests connects with; Python's urlsplit must agree
with it, so a string two parsers read differently (`https://127.0.0.1:8297\\@ghe.example.com`) is
refused rather than trusted. The resolved addresses are checked here and again on every connection
(repos.safe_http): DNS may answer differently later.
"""

from __future__ import annotations

import ipaddress
import socket
import unicodedata
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from common.egress import EgressRefused, public_addresses

DEFAULT_HTTPS_PORT = 443


def _allowed_hosts() -> dict[str, set[int]]:
    """GITHUB_API_ALLOWED_HOSTS entries `host` (port 443) or `host:port` → host → allowed ports."""
    allowed: dict[str, set[int]] = {}
    for raw in settings.GITHUB_API_ALLOWED_HOSTS:
        entry = raw.strip().lower()
        host, colon, port = entry.rpartition(":")
        if colon and host and port.isdigit():
            allowed.setdefault(host, set()).add(int(port))
        elif entry:
            allowed.setdefault(entry, set()).add(DEFAULT_HTTPS_PORT)
    return allowed


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        pass
    try:
        # What the C library would also take as IPv4: 2130706433, 0x7f.1, 0177.0.0.1, 127.1 …
        socket.inet_aton(host)
        return True
    except OSError:
        return False


def validate_github_api_url(value: str) -> None:
    if not value:
        return
    if any(not char.isascii() or char.isspace() or unicodedata.category(char) == "Cc" for char in value):
        raise ValidationError("API URL must be plain ASCII without spaces or control characters.")
    if "\\" in value or "@" in value:
        raise ValidationError("API URL must not contain user info (@) or backslashes.")
    try:
        parsed = parse_url(value)
        split = urlsplit(value)
        split_port = split.port
    except (LocationParseError, ValueError):
        raise ValidationError("API URL is not a valid URL.") from None
    host = (parsed.host or "").lower()
    if (split.hostname or "") != host.strip("[]") or split_port != parsed.port:
        raise ValidationError("API URL is ambiguous: its host reads differently to different URL parsers.")
    if parsed.scheme != "https" or split.scheme.lower() != "https":
        raise ValidationError("API URL must use https: the GitHub token is sent to it.")
    if parsed.auth or split.username is not None:
        raise ValidationError("API URL must not contain user info.")
    if parsed.query is not None or parsed.fragment is not None:
        raise ValidationError("API URL must not have a query string or fragment.")
    allowed = _allowed_hosts()
    if not allowed:
        raise ValidationError(
            "API URL overrides are disabled here; the site operator can allow a GitHub Enterprise host "
            "with GITHUB_API_ALLOWED_HOSTS."
        )
    if host not in allowed:
        raise ValidationError(f"API URL host {host!r} is not in GITHUB_API_ALLOWED_HOSTS.")
    # Even when the operator listed one: the address checks below work on names.
    if _is_ip_literal(host):
        raise ValidationError("API URL must name a host, not an IP address.")
    if host == "localhost" or host.endswith(".localhost"):
        raise ValidationError("API URL must not point at localhost.")
    port = DEFAULT_HTTPS_PORT if parsed.port is None else parsed.port
    if port not in allowed[host]:
        raise ValidationError(
            f"API URL port {port} is not allowed for {host}; the site operator can allow it with "
            f"GITHUB_API_ALLOWED_HOSTS={host}:{port}."
        )
    try:
        public_addresses(host, port)
    except EgressRefused as exc:
        raise ValidationError(f"API URL refused: {exc}.") from None
    except (OSError, UnicodeError):
        # Not resolvable from here (yet): every connection checks the addresses again anyway.
        pass
