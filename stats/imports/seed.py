"""The original github-traffic-stats app's database (IBM Db2), read through any DB-API connection.

Its tables: repos(rid, rname, ghserverid, oid, schedule), ghorgusers(oid, username, …),
repotraffic(rid, tdate, viewcount, vuniques, clonecount, cuniques), tenants(tid, fname, lname, email,
ghuser, ghtoken), tenantrepos(tid, rid), adminusers(aid, auser, email), adminroles(aid, role),
admintenantreporoles(aid, tid, role, rid). Mapping (README "Bringing your history"):

- a tenant becomes the tenant whose slug is its `ghuser` slugified (`tenant-<tid>` without one; a slug two
  source tenants share gets `-<tid>`); an existing tenant with that slug is reused; its name is
  "fname lname"; its `ghtoken` becomes its GitHub credential (encrypted on arrival);
- a repository is `ghorgusers.username/rname`, followed by every tenant `tenantrepos` gives it to; each
  `repotraffic` row is a known day (days without a row stay unknown);
- people become invitations with the highest role their bits give: the tenant's own e-mail → admin;
  `adminroles` 1 (system admin) → admin and 2 (system maintenance) → maintainer of every tenant;
  `admintenantreporoles` 1 or 4 (tenant) → admin, 2 → maintainer, 8 (tenant stats) → viewer,
  16 (repository stats) → viewer limited to the repositories those rows name.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.text import slugify

from repos.services import repository_name_valid
from stats.collection.services import Counts
from stats.imports.history import RepositoryHistory, SourceError
from stats.imports.parsing import count_of, day_of
from stats.imports.services import SeedInvitation, SeedTenant
from tenants.models import ROLE_RANK, Role

BIT_ADMIN, BIT_SYSMAINT, BIT_TENANT, BIT_TENANT_STATS, BIT_REPO_STATS = 1, 2, 4, 8, 16


class SeedUnavailable(Exception):
    """The source cannot be opened (bad URL, driver missing, connection refused): one readable line."""


def connect(url: str) -> tuple[Any, str]:
    """(DB-API connection, a label for messages without the password) for `db2://…` or `sqlite:///…`."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # As dj-database-url and SQLAlchemy read them: sqlite:///relative.db, sqlite:////absolute/path.db
        path = unquote(parts.path)[1:]
        if parts.netloc or not path:
            raise SeedUnavailable("--source-url: sqlite URLs look like sqlite:///relative.db or sqlite:////abs.db")
        if not Path(path).is_file():
            raise SeedUnavailable(f"--source-url: no such file {path}")
        try:
            # Read-only: a seed never changes its source.
            return sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True), path
        except sqlite3.Error as exc:
            raise SeedUnavailable(f"--source-url: cannot open {path}: {exc}") from None
    if parts.scheme == "db2":
        return _db2_connect(parts)
    raise SeedUnavailable("--source-url must be db2://user:password@host:port/DATABASE or sqlite:///path")


def _db2_connect(parts: Any) -> tuple[Any, str]:
    database = parts.path.lstrip("/")
    if not parts.hostname or not database:
        raise SeedUnavailable("--source-url: db2 URLs look like db2://user:password@host:50000/DATABASE")
    try:
        import ibm_db_dbi  # the IBM driver is optional at import time: only a Db2 seed needs it
    except ImportError:
        raise SeedUnavailable("reading Db2 needs IBM's driver: pip install ibm_db (see requirements.txt)") from None
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    dsn = (f"DATABASE={database};HOSTNAME={parts.hostname};PORT={parts.port or 50000};PROTOCOL=TCPIP;"
           f"UID={unquote(parts.username or '')};PWD={unquote(parts.password or '')};")
    if "schema" in options:
        dsn += f"CURRENTSCHEMA={options['schema']};"
    if options.get("security", "").upper() == "SSL":
        dsn += "SECURITY=SSL;"
    label = f"db2://{parts.hostname}:{parts.port or 50000}/{database}"
    try:
        return ibm_db_dbi.connect(dsn, "", ""), label
    except Exception as exc:  # the driver's own error classes: say what it said, in one line
        raise SeedUnavailable(f"cannot connect to {label}: {str(exc).splitlines()[0][:300]}") from None


def read(connection: Any, label: str) -> list[SeedTenant]:
    """Everything the seed moves, validated; SourceError names the table and row of a bad value."""

    def rows(table: str, columns: str) -> list[tuple[int, tuple[Any, ...]]]:
        cursor = connection.cursor()
        try:
            cursor.execute(f"SELECT {columns} FROM {table}")  # fixed names: nothing from the user
            return list(enumerate(cursor.fetchall(), start=1))
        except Exception as exc:  # each DB-API driver has its own error classes
            raise SourceError(f"{label} table {table}", None, f"cannot read ({columns}): {str(exc).splitlines()[0]}") \
                from None
        finally:
            cursor.close()

    owners = {row[0]: str(row[1] or "") for _, row in rows("ghorgusers", "oid, username")}
    repositories: dict[Any, str] = {}
    for number, (rid, rname, oid) in rows("repos", "rid, rname, oid"):
        owner, name = owners.get(oid), str(rname or "").strip()
        if owner is None:
            raise SourceError(f"{label} table repos", number, f"rid {rid}: owner oid {oid} is not in ghorgusers",
                              unit="row")
        if not repository_name_valid(owner, name):
            raise SourceError(f"{label} table repos", number,
                              f"rid {rid}: {owner}/{name!r} is not a GitHub repository", unit="row")
        repositories[rid] = f"{owner}/{name}"
    histories: dict[Any, RepositoryHistory] = defaultdict(RepositoryHistory)
    where = f"{label} table repotraffic"
    for number, (rid, tdate, views, vuniques, clones, cuniques) in rows(
        "repotraffic", "rid, tdate, viewcount, vuniques, clonecount, cuniques"
    ):
        if rid not in repositories:
            raise SourceError(where, number, f"rid {rid} is not in repos", unit="row")
        counts = Counts(views=count_of(where, number, "viewcount", views, unit="row"),
                        unique_views=count_of(where, number, "vuniques", vuniques, unit="row"),
                        clones=count_of(where, number, "clonecount", clones, unit="row"),
                        unique_clones=count_of(where, number, "cuniques", cuniques, unit="row"))
        histories[rid].day_add(day_of(where, number, "tdate", tdate, unit="row"), counts)

    tenants: dict[Any, SeedTenant] = {}
    emails: dict[Any, str] = {}
    source_tenants = rows("tenants", "tid, fname, lname, email, ghuser, ghtoken")
    slugs = [slugify(str(ghuser or ""))[:40] or f"tenant-{tid}" for _, (tid, _f, _l, _e, ghuser, _t) in source_tenants]
    for (_, (tid, fname, lname, email, ghuser, token)), slug in zip(source_tenants, slugs, strict=True):
        if slugs.count(slug) > 1:
            slug = f"{slug}-{tid}"
        name = " ".join(str(part).strip() for part in (fname, lname) if part and str(part).strip())
        tenants[tid] = SeedTenant(slug=slug, name=(name or str(ghuser or "") or slug)[:200],
                                  token=str(token or "").strip())
        emails[tid] = str(email or "").strip()
    repos_of: dict[Any, set[Any]] = defaultdict(set)
    for number, (tid, rid) in rows("tenantrepos", "tid, rid"):
        if tid not in tenants or rid not in repositories:
            raise SourceError(f"{label} table tenantrepos", number, f"tid {tid} or rid {rid} does not exist",
                              unit="row")
        tenants[tid].repositories[repositories[rid]] = histories[rid]
        repos_of[tid].add(rid)

    grants = _grants(rows, label, tenants, repos_of)
    for tid, email in emails.items():
        if email:
            grants[(tid, email.lower())].append((Role.ADMIN, None, email))
    for (tid, _), given in sorted(grants.items(), key=lambda item: (str(item[0][0]), item[0][1])):
        invitation = _invitation(given, repositories)
        if invitation is None:
            tenants[tid].notes.append(f"{given[0][2][:100]!r} is not an e-mail address: not invited")
        else:
            tenants[tid].invitations.append(invitation)
    return list(tenants.values())


Grant = tuple[Role, Any, str]  # (role, rid a viewer is limited to or None, e-mail as written)


def _grants(
    rows: Callable[[str, str], list[tuple[int, tuple[Any, ...]]]],
    label: str,
    tenants: dict[Any, SeedTenant],
    repos_of: dict[Any, set[Any]],
) -> dict[tuple[Any, str], list[Grant]]:
    people = {aid: str(email or "").strip() for _, (aid, _user, email) in rows("adminusers", "aid, auser, email")}
    grants: dict[tuple[Any, str], list[Grant]] = defaultdict(list)
    for number, (aid, role) in rows("adminroles", "aid, role"):
        bits = count_of(f"{label} table adminroles", number, "role", role, unit="row")
        email = _person(people, aid, f"{label} table adminroles", number)
        system_role = Role.ADMIN if bits & BIT_ADMIN else Role.MAINTAINER if bits & BIT_SYSMAINT else None
        if system_role is not None and email:
            for tid in tenants:
                grants[(tid, email.lower())].append((system_role, None, email))
    where = f"{label} table admintenantreporoles"
    for number, (aid, tid, role, rid) in rows("admintenantreporoles", "aid, tid, role, rid"):
        bits = count_of(where, number, "role", role, unit="row")
        email = _person(people, aid, where, number)
        if tid not in tenants:
            raise SourceError(where, number, f"tid {tid} is not in tenants", unit="row")
        if not email:
            tenants[tid].notes.append(f"admin user {aid} has no e-mail address: not invited")
            continue
        key = (tid, email.lower())
        if bits & (BIT_ADMIN | BIT_TENANT):
            grants[key].append((Role.ADMIN, None, email))
        if bits & BIT_SYSMAINT:
            grants[key].append((Role.MAINTAINER, None, email))
        if bits & BIT_TENANT_STATS:
            grants[key].append((Role.VIEWER, None, email))
        if bits & BIT_REPO_STATS:
            if rid not in repos_of[tid]:
                raise SourceError(where, number, f"rid {rid} is not a repository of tenant {tid}", unit="row")
            grants[key].append((Role.VIEWER, rid, email))
    return grants


def _person(people: dict[Any, str], aid: Any, where: str, number: int) -> str:
    if aid not in people:
        raise SourceError(where, number, f"aid {aid} is not in adminusers", unit="row")
    return people[aid]


def _invitation(given: list[Grant], repositories: dict[Any, str]) -> SeedInvitation | None:
    email = given[0][2]
    try:
        validate_email(email)
    except ValidationError:
        return None
    role = max((role for role, _, _ in given), key=lambda role: ROLE_RANK[role.value])
    limited: tuple[str, ...] | None = None
    if role == Role.VIEWER and all(rid is not None for _, rid, _ in given):
        limited = tuple(sorted({repositories[rid] for _, rid, _ in given}))
    return SeedInvitation(email=email, role=role, repositories=limited)
