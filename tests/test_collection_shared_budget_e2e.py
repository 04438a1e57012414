"""Two real qcluster processes share one credential's budget: they never spend beyond it, and a run the budget
stopped continues on its own after GitHub's reset until every repository is collected.

The fake GitHub's budget windows last a few seconds (its own window length), so the reset comes soon; the
workers' batches reserve budget in the shared database (stats.collection.reservations).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from devtools.fake_github import FakeGitHub
from tests.test_qcluster_e2e import Stack, database_url  # noqa: F401  (the fixture is used below)

pytestmark = pytest.mark.slow

BUDGET = 30  # requests per window; each repository needs 7 on its first collection
REPOS = [f"shared/repo{i}" for i in range(6)]  # 42 requests: at least two windows
WINDOW_SECONDS = 8
SETUP = """
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from repos.models import Repository
from tenants.models import Tenant
from tenants.scoping import tenant_scope
from tenants.services import github_credential_set
tenant = Tenant.objects.create(slug="shared", name="Shared")
with tenant_scope(tenant):
    github_credential_set(tenant=tenant, token="ghp_e2e_shared_budget")
    for full_name in {repos!r}:
        owner, name = full_name.split("/")
        Repository.objects.create(tenant=tenant, owner=owner, name=name)
"""


def test_it_never_spends_beyond_the_budget_and_resumes_after_the_reset(tmp_path, database_url):  # noqa: F811
    with FakeGitHub(rate_limit=BUDGET, latency=0.05) as github:
        github.window_seconds = WINDOW_SECONDS
        github.set_now(datetime.now(UTC))
        for full_name in REPOS:
            github.add_repo(full_name)
        stack = Stack(workdir=tmp_path, github_url=github.url, database_url=database_url)
        try:
            stack.manage("shell", "-c", SETUP.format(repos=REPOS))
            env = {"COLLECT_BATCH_SIZE": "1", "COLLECT_CONCURRENCY": "1", "COLLECT_BUDGET_RESERVE": "0",
                   "COLLECT_RESUME_DELAY_SECONDS": "1", "COLLECT_MAX_RATE_LIMIT_WAIT": "0", "Q_WORKERS": "1"}
            clusters = [stack.start_cluster(**env), stack.start_cluster(**env)]
            stack.wait_ready(*clusters)
            stack.manage("collect_traffic", "--tenant", "shared", "--enqueue")

            deadline = time.monotonic() + 150
            while time.monotonic() < deadline:
                collected = stack.query(
                    "SELECT COUNT(*) FROM repos_repository WHERE last_success_at IS NOT NULL")[0][0]
                # Done once every repository is stored and the run that stored the last one has finished too.
                active = stack.query(
                    "SELECT COUNT(*) FROM stats_collectionrun WHERE status IN ('queued', 'running')")[0][0]
                if collected == len(REPOS) and active == 0:
                    break
                time.sleep(0.5)
            runs = stack.query("SELECT trigger, status FROM stats_collectionrun ORDER BY id")
            assert collected == len(REPOS), f"{collected} collected; runs {runs}\n" + stack.logs()
            for cluster in clusters:
                assert stack.stop_cluster(cluster) == 0, stack.logs()
        finally:
            stack.cleanup()

        # The budget really was short: the first run stopped on it, and a resumed run went on after the reset.
        assert runs[0] == ("command", "rate_limited"), runs
        assert ("resume", "succeeded") in runs, runs
        # GitHub never had to refuse a request: no worker sent one once the window's budget was spent.
        assert github.request_count(status=403) == 0 and github.request_count(status=429) == 0
        assert github.request_count(path_contains="/traffic/views", status=200) >= 2 * len(REPOS)
        # Both processes took part.
        assert all(stack.processed_by(cluster) >= 1 for cluster in clusters), stack.logs()
        assert stack.stored("shared")["daily"]
