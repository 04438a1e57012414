"""Collect GitHub traffic now, inline, for some or all tenants.

Exit status: 0 every repository collected; 1 some repository failed or the run was rate limited;
2 bad arguments (unknown tenant or repository: one line, nothing collected); 3 a collection of some
tenant was already running (the others are still collected).
"""

from __future__ import annotations

import sys
import time
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.db.models import Q, QuerySet
from django.utils import timezone

from repos.models import Repository
from stats.collection import services
from stats.models import CollectionRun, RunItem
from tenants.models import Tenant
from tenants.scoping import system_scope

EXIT_FAILED, EXIT_BAD_ARGS, EXIT_BUSY = 1, 2, 3


def sleep_until(moment: datetime) -> None:
    wait = (moment - timezone.now()).total_seconds()
    if wait > 0:
        time.sleep(wait)


class ProgressBar:
    """A one-line bar redrawn with \\r; only used on a terminal."""

    def __init__(self, stream: OutputWrapper, total: int, label: str) -> None:
        self.stream, self.total, self.label, self.done, self.failed = stream, total, label, 0, 0

    def __call__(self, item: RunItem) -> None:
        self.done += 1
        if item.status != RunItem.Status.OK:
            self.failed += 1
        width = 30
        filled = width * self.done // max(self.total, 1)
        failed = f", {self.failed} failed" if self.failed else ""
        # ending="": Django's OutputWrapper would otherwise end every redraw with a newline.
        line = f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}{failed}"
        self.stream.write(line, ending="\n" if self.done >= self.total else "")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Collect GitHub traffic now (inline). Exit 0 all collected, 1 some repository failed or rate limited, "
        "2 bad arguments, 3 a collection of a tenant was already running."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", action="append", default=[], metavar="SLUG",
                            help="Only this tenant (repeatable). Default: every tenant with active repositories.")
        parser.add_argument("--repo", action="append", default=[], metavar="OWNER/NAME",
                            help="Only this repository (repeatable).")
        parser.add_argument("--concurrency", type=int, default=None, metavar="N",
                            help="Parallel GitHub requests per tenant (default COLLECT_CONCURRENCY).")
        parser.add_argument("--quiet", action="store_true", help="No progress bar and no summary.")
        parser.add_argument("--wait", action="store_true",
                            help="When GitHub's rate limit stops a run, sleep until it resets and go on.")
        parser.add_argument("--enqueue", action="store_true",
                            help="Queue the run for the qcluster workers instead of collecting inline "
                                 "(throttled by COLLECT_MIN_INTERVAL like the webhook; exit 3 if nothing was queued).")

    @system_scope()  # scope: system work (collects any tenant; the engine's conditional UPDATEs stay single-table)
    def handle(self, *args: Any, **options: Any) -> None:
        if options["concurrency"] is not None and options["concurrency"] < 1:
            raise CommandError("--concurrency must be at least 1", returncode=EXIT_BAD_ARGS)
        tenants = self.tenants_selected(options["tenant"])
        repositories = self.repositories_selected(options["repo"], tenants if options["tenant"] else None)
        if repositories is not None:
            ids = {r.tenant_id for r in repositories}
            tenants = [t for t in tenants if t.pk in ids] if options["tenant"] else list(
                Tenant.objects.filter(pk__in=ids).order_by("slug")
            )
        if options["enqueue"]:
            if repositories is not None:
                raise CommandError("--repo cannot be combined with --enqueue", returncode=EXIT_BAD_ARGS)
            exit_code = self.collect_enqueue(tenants=tenants, quiet=options["quiet"])
        else:
            exit_code = self.collect_inline(tenants=tenants, repositories=repositories, options=options)
        if exit_code:
            sys.exit(exit_code)

    # --- argument checks: unknown names stop everything before anything is collected -------------
    def tenants_selected(self, slugs: list[str]) -> list[Tenant]:
        if not slugs:
            return list(Tenant.objects.filter(repositories__active=True).distinct().order_by("slug"))
        found = {t.slug: t for t in Tenant.objects.filter(slug__in=slugs)}
        unknown = [slug for slug in slugs if slug not in found]
        if unknown:
            raise CommandError(f"unknown tenant: {', '.join(unknown)}", returncode=EXIT_BAD_ARGS)
        return [found[slug] for slug in dict.fromkeys(slugs)]

    def repositories_selected(self, names: list[str], tenants: list[Tenant] | None) -> list[Repository] | None:
        if not names:
            return None
        selected: list[Repository] = []
        for full_name in dict.fromkeys(names):
            owner, slash, name = full_name.partition("/")
            if not slash or not owner or not name:
                raise CommandError(f"--repo must be OWNER/NAME, got {full_name!r}", returncode=EXIT_BAD_ARGS)
            matches: QuerySet[Repository] = Repository.objects.filter(Q(owner__iexact=owner) & Q(name__iexact=name))
            if tenants is not None:
                matches = matches.filter(tenant__in=tenants)
            found = list(matches)
            if not found:
                raise CommandError(f"unknown repository: {full_name}", returncode=EXIT_BAD_ARGS)
            selected.extend(found)
        return selected

    # --- inline collection (a queued --enqueue variant can sit beside this) ------------------------
    def collect_inline(
        self, *, tenants: list[Tenant], repositories: list[Repository] | None, options: dict[str, Any]
    ) -> int:
        quiet = options["quiet"]
        show_bar = not quiet and self.stdout.isatty()
        exit_code = 0
        runs: list[CollectionRun] = []
        for tenant in tenants:
            repos = None if repositories is None else [r for r in repositories if r.tenant_id == tenant.pk]
            try:
                run = services.collection_run_start(
                    tenant=tenant, trigger=CollectionRun.Trigger.COMMAND, repositories=repos
                )
            except services.CollectionBusy as exc:
                self.stderr.write(str(exc))
                exit_code = max(exit_code, EXIT_BUSY)
                continue
            progress = ProgressBar(self.stdout, run.repos_total, tenant.slug) if show_bar and run.repos_total else None
            run = services.collection_run_execute(run=run, concurrency=options["concurrency"], progress=progress)
            runs.append(run)
            while options["wait"] and run.status == CollectionRun.Status.RATE_LIMITED and run.rate_limited_until:
                if not quiet:
                    self.summary([run])
                    self.stdout.write(f"{tenant.slug}: waiting for the rate limit "
                                      f"(resumes {run.rate_limited_until:%H:%M} UTC)")
                run = self.resume_after_reset(run=run, options=options)
                runs.append(run)
            if run.status != CollectionRun.Status.SUCCEEDED:
                exit_code = max(exit_code, EXIT_FAILED)
        if not quiet:
            self.summary(runs)
        return exit_code

    def resume_after_reset(self, *, run: CollectionRun, options: dict[str, Any]) -> CollectionRun:
        """Sleep until GitHub's reset, then collect what the stopped run skipped."""
        assert run.rate_limited_until is not None
        sleep_until(run.rate_limited_until + services.resume_delay())
        skipped = Repository.objects.filter(run_items__run=run, run_items__status=RunItem.Status.SKIPPED)
        resumed = services.collection_run_start(
            tenant=run.tenant, trigger=CollectionRun.Trigger.COMMAND, repositories=list(skipped)
        )
        return services.collection_run_execute(run=resumed, concurrency=options["concurrency"])

    def collect_enqueue(self, *, tenants: list[Tenant], quiet: bool) -> int:
        """Queue one run per tenant for the workers (stats.collection.scheduling, same path as the webhook)."""
        from stats.collection.scheduling import collection_request  # late: keeps inline runs free of django-q imports

        exit_code = 0
        for tenant in tenants:
            run, message = collection_request(tenant=tenant, trigger=CollectionRun.Trigger.COMMAND)
            if run is None:
                exit_code = EXIT_BUSY
                self.stderr.write(f"{tenant.slug}: nothing queued: {message}")
            elif not quiet:
                self.stdout.write(f"{tenant.slug}: {message}")
        return exit_code

    def summary(self, runs: list[CollectionRun]) -> None:
        if not runs:
            self.stdout.write("nothing collected")
            return
        for run in runs:
            line = (
                f"{run.tenant.slug} (run {run.pk}): {run.get_status_display().lower()}; "
                f"repos {run.repos_ok}/{run.repos_total} ok, {run.repos_failed} failed; "
                f"days stored {run.days_stored}; requests {run.api_requests}, 304s {run.not_modified}"
            )
            if run.rate_limit_remaining is not None:
                line += f"; rate limit remaining {run.rate_limit_remaining}"
            self.stdout.write(line)
            if run.status == CollectionRun.Status.RATE_LIMITED and run.rate_limited_until is not None:
                self.stdout.write(f"  waiting for the rate limit (resumes {run.rate_limited_until:%H:%M} UTC, "
                                  f"{run.rate_limited_until:%Y-%m-%d}): a worker continues it then, or run "
                                  "again with --wait")
            if run.plan_summary:
                self.stdout.write(f"  {run.plan_summary}")
            failures = run.error_summary.splitlines()
            for failure in failures[:20]:
                self.stdout.write(f"  failed {failure}")
            if len(failures) > 20:
                self.stdout.write(f"  ... and {len(failures) - 20} more (see the run's page)")
        if len(runs) > 1:
            self.stdout.write(
                f"total: repos {sum(r.repos_ok for r in runs)}/{sum(r.repos_total for r in runs)} ok, "
                f"days stored {sum(r.days_stored for r in runs)}, requests {sum(r.api_requests for r in runs)}, "
                f"304s {sum(r.not_modified for r in runs)}"
            )
