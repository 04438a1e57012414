"""A requests transport that only connects to public addresses (for tenant-supplied API URLs).

The URL was validated when the tenant admin saved it, but DNS can answer differently by the time
the collector connects (rebinding), and a redirect can name another host. So every new connection
resolves the host itself, refuses when any answer is loopback/private/link-local/reserved/multicast
or a metadata address (common.egress), and connects to the address it checked, never to a second
lookup. TLS still verifies the certificate against the host name.
"""

from __future__ import annotations

import socket
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NameResolutionError

from common.egress import EgressRefused, public_addresses

__all__ = ["EgressRefused", "PublicAddressAdapter"]


class _PublicOnly:
    """Mixin for urllib3 connections: `_new_conn` resolves, checks, then connects to a checked address."""

    _dns_host: str
    host: str
    port: int

    def _new_conn(self) -> socket.socket:
        name = self._dns_host
        try:
            addresses = public_addresses(name, self.port)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc  # type: ignore[arg-type]
        last_error: Exception | None = None
        for address in addresses:
            self._dns_host = address
            try:
                return super()._new_conn()  # type: ignore[misc]
            except Exception as exc:
                last_error = exc
            finally:
                self._dns_host = name
        assert last_error is not None
        raise last_error


class PublicHTTPConnection(_PublicOnly, HTTPConnection):
    pass


class PublicHTTPSConnection(_PublicOnly, HTTPSConnection):
    pass


class PublicHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = PublicHTTPConnection


class PublicHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = PublicHTTPSConnection


class PublicAddressAdapter(HTTPAdapter):
    """HTTPAdapter whose connections raise EgressRefused instead of reaching a non-public address."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": PublicHTTPConnectionPool,
            "https": PublicHTTPSConnectionPool,
        }
