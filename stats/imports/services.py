"""Writing imported history: everything a source tells, in one transaction, through the collection's merge.

Rules (the same as a collection's, README "Bringing your history"):
- known days are merged into DailyTraffic by per-field maximum (`daily_counts_merge`, which moves the
  rollups in the same transaction): imported days become known days, days a source does not list stay
  unknown; a day already stored at or above the source's values is skipped, so importing twice changes
  nothing; weekly rows are never written (no source carries GitHub's own weekly uniques);
- a referrer/path snapshot or a stars/forks day already stored (collected or imported) is kept;
- the repository is followed when the tenant does not follow it yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from itertools import islice

from django.db import IntegrityError, transaction

from repos.models import Repository
from repos.services import RepositoryExists, parse_full_name, repository_add
from stats.collection.rollups import latest_snapshot_note
from stats.collection.services import daily_counts_merge
from stats.imports.history import ImportReport, RepositoryHistory, SnapshotRow
from stats.models import PathSnapshot, ReferrerSnapshot, RepositoryMetrics
from tenants.crypto import SecretDecryptionError, decrypt_secret
from tenants.models import GitHubAppInstallation, GitHubCredential, Role, Tenant
from tenants.services import github_credential_set, invitation_import, tenant_create

# Days merged per statement batch (the rollups' upsert carries 7 parameters a day).
CHUNK_DAYS = 366


def history_import(
    *, tenant: Tenant, full_name: str, history: RepositoryHistory, dry_run: bool = False
) -> ImportReport:
    """Import one repository's history into the tenant (following the repository if needed); `dry_run`
    reports what it would do and keeps nothing. Raises repos.services.RepositoryNameInvalid for a name
    GitHub could not have; writes nothing then."""
    def attempt() -> ImportReport:
        report = ImportReport()
        with transaction.atomic():
            repository = _repository_follow(tenant=tenant, full_name=full_name, report=report)
            _history_store(repository=repository, history=history, report=report)
            if dry_run:
                # The same statements as the real import, so the preview cannot disagree with it.
                transaction.set_rollback(True)
        return report

    return _retried(attempt)


def _retried(attempt: Callable[[], ImportReport]) -> ImportReport:
    """A collection storing the same repository meanwhile may create a day this import was creating
    (unique constraint): the transaction rolled back whole; once more, the merge reads that row."""
    try:
        return attempt()
    except IntegrityError:
        if transaction.get_connection().in_atomic_block:
            raise  # inside a caller's transaction: theirs to retry
        return attempt()


def _repository_follow(*, tenant: Tenant, full_name: str, report: ImportReport) -> Repository:
    owner, name = parse_full_name(full_name)
    found = Repository.objects.filter(tenant=tenant, owner__iexact=owner, name__iexact=name).first()
    if found is not None:
        report.tally("repositories").skipped += 1
        return found
    try:
        repository = repository_add(tenant=tenant, full_name=f"{owner}/{name}")
    except RepositoryExists:  # added meanwhile by someone else
        return Repository.objects.get(tenant=tenant, owner__iexact=owner, name__iexact=name)
    report.tally("repositories").imported += 1
    report.notes.append(f"now following {repository.full_name} in {tenant.slug}")
    return repository


def _history_store(*, repository: Repository, history: RepositoryHistory, report: ImportReport) -> None:
    days = report.tally("days")
    for chunk in _chunks(history.days):
        created, raised = daily_counts_merge(repo_id=repository.pk, tenant_id=repository.tenant_id, counts=chunk)
        days.imported, days.merged, days.skipped = (days.imported + created, days.merged + raised,
                                                    days.skipped + len(chunk) - created - raised)
    one_sided = {day: counts for day, counts in history.one_sided.items() if day not in history.days}
    for chunk in _chunks(one_sided):
        _, raised = daily_counts_merge(repo_id=repository.pk, tenant_id=repository.tenant_id, counts=chunk,
                                       create_missing=False)
        days.merged, days.skipped = days.merged + raised, days.skipped + len(chunk) - raised
    if one_sided:
        report.notes.append(f"{len(one_sided)} days known on one side only (views or clones) can only raise "
                            "stored days: the others stay unknown")
    _snapshots_store(model=ReferrerSnapshot, repository=repository, snapshots=history.referrers, report=report)
    _snapshots_store(model=PathSnapshot, repository=repository, snapshots=history.paths, report=report)
    if history.metrics:
        metrics = report.tally("metrics")
        known = set(RepositoryMetrics.objects.filter(repository=repository, date__in=list(history.metrics))
                    .values_list("date", flat=True))
        RepositoryMetrics.objects.bulk_create(
            [RepositoryMetrics(repository=repository, date=day, stars=stars, forks=forks, watchers=None,
                               open_issues=None, size_kb=None)
             for day, (stars, forks) in sorted(history.metrics.items()) if day not in known],
            batch_size=1000,
        )
        metrics.imported += len(history.metrics) - len(known)
        metrics.skipped += len(known)


def _chunks(counts: dict) -> list[dict]:
    ordered = iter(sorted(counts.items()))
    chunks = []
    while chunk := dict(islice(ordered, CHUNK_DAYS)):
        chunks.append(chunk)
    return chunks


def _snapshots_store(
    *,
    model: type[ReferrerSnapshot] | type[PathSnapshot],
    repository: Repository,
    snapshots: dict[date, list[SnapshotRow]],
    report: ImportReport,
) -> None:
    if not snapshots:
        return
    tally = report.tally("referrers" if model is ReferrerSnapshot else "paths")
    known = set(model.objects.filter(repository=repository, date__in=list(snapshots)).values_list("date", flat=True))
    rows: list[ReferrerSnapshot | PathSnapshot] = []
    for day, entries in sorted(snapshots.items()):
        if day in known:
            tally.skipped += 1
            continue
        tally.imported += 1
        for entry in entries:
            if model is ReferrerSnapshot:
                rows.append(ReferrerSnapshot(repository=repository, date=day, referrer=entry.key[:500],
                                             count=entry.count, uniques=entry.uniques))
            else:
                rows.append(PathSnapshot(repository=repository, date=day, path=entry.key[:1000],
                                         title=entry.title[:1000], count=entry.count, uniques=entry.uniques))
    model.objects.bulk_create(rows, batch_size=1000)  # type: ignore[arg-type]
    # bulk_create sends no post_save: move the dashboard's newest-snapshot pointer as the store does.
    latest_snapshot_note(repo_id=repository.pk)


# --- The original github-traffic-stats (seed) ---------------------------------------------------


@dataclass(frozen=True)
class SeedInvitation:
    email: str
    role: Role
    repositories: tuple[str, ...] | None  # full names a viewer is limited to; None: every repository


@dataclass
class SeedTenant:
    slug: str
    name: str
    token: str
    repositories: dict[str, RepositoryHistory] = field(default_factory=dict)  # by full name
    invitations: list[SeedInvitation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the source had that could not be carried over


def seed_import(*, tenants: list[SeedTenant], notify: bool = False, base_url: str = "") -> ImportReport:
    """Move tenants, their repositories and traffic, their token and their people (as invitations) in."""
    return _retried(lambda: _seed_store(tenants=tenants, notify=notify, base_url=base_url))


def _seed_store(*, tenants: list[SeedTenant], notify: bool, base_url: str) -> ImportReport:
    report = ImportReport()
    with transaction.atomic():
        for seed in tenants:
            tenant = Tenant.objects.filter(slug=seed.slug).first()
            if tenant is None:
                tenant = tenant_create(slug=seed.slug, name=seed.name)
                report.tally("tenants").imported += 1
            else:
                report.tally("tenants").skipped += 1
            repositories = {}
            for full_name, history in seed.repositories.items():
                repository = _repository_follow(tenant=tenant, full_name=full_name, report=report)
                repositories[full_name] = repository
                _history_store(repository=repository, history=history, report=report)
            report.notes.extend(f"{seed.slug}: {note}" for note in seed.notes)
            if seed.token:
                _credential_import(tenant=tenant, token=seed.token, report=report)
            for invitation in seed.invitations:
                limited = (None if invitation.repositories is None
                           else [repositories[name] for name in invitation.repositories])
                created = invitation_import(tenant=tenant, email=invitation.email, role=invitation.role,
                                            repositories=limited, notify=notify, base_url=base_url)
                tally = report.tally("invitations")
                if created:
                    tally.imported += 1
                else:
                    tally.skipped += 1
    return report


def _credential_import(*, tenant: Tenant, token: str, report: ImportReport) -> None:
    tally = report.tally("credentials")
    current = GitHubCredential.objects.filter(tenant=tenant).first()
    if current is None and not GitHubAppInstallation.objects.filter(tenant=tenant).exists():
        github_credential_set(tenant=tenant, token=token)  # encrypted on arrival
        tally.imported += 1
        return
    tally.skipped += 1
    try:
        same = current is not None and decrypt_secret(current.token_encrypted) == token.strip()
    except SecretDecryptionError:
        same = False
    if not same:
        report.notes.append(f"{tenant.slug}: kept the GitHub credential configured here (the source's token "
                            "was not stored)")
