"""Which network addresses a tenant-supplied URL may reach: public unicast ones only.

Shared by the validation of a tenant's GitHub API URL (tenants.validators) and by the check the
GitHub client makes on every new connection to such a URL (repos.safe_http): DNS can answer
differently between the two, so both ask.
"""

from __future__ import annotations

import ipaddress
import socket

# Cloud metadata services; also covered by the link-local / private rules, named here for the message.
METADATA_ADDRESSES = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})


class EgressRefused(Exception):
    """The destination is not a public address; `str(exc)` says why (safe to show and store)."""


def address_refusal(address: str) -> str | None:
    """Why this IP address must not be connected to, or None when it is a public unicast address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return f"{address!r} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        # ::ffff:127.0.0.1 and friends reach the embedded IPv4 address.
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None and (reason := address_refusal(str(embedded))):
            return reason
    if ip in METADATA_ADDRESSES:
        return f"{ip} is a cloud metadata address"
    for flag, what in (
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_unspecified", "unspecified"),
        ("is_reserved", "reserved"),
        ("is_private", "private"),
    ):
        if getattr(ip, flag):
            return f"{ip} is a {what} address"
    if not ip.is_global:  # shared address space (100.64/10), documentation ranges, …
        return f"{ip} is not a public address"
    return None


def public_addresses(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, when all of them are public; else EgressRefused.

    Raises socket.gaierror when the name does not resolve. One bad answer refuses the whole name:
    a resolver that mixes a public and an internal address must not get a second chance.
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for _family, _type, _proto, _canonname, sockaddr in infos:
        address = str(sockaddr[0])
        if reason := address_refusal(address):
            raise EgressRefused(f"{host} resolves to {reason}")
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise socket.gaierror(socket.EAI_NONAME, f"{host} has no address")
    return addresses
