"""The fake GitHub's releases: `GET /repos/{o}/{n}/releases` in GitHub's shape, paginated with Link
headers (per_page, page), newest first; tests add releases and assets, raise download counts and
delete assets (`gh.releases`).

    release = gh.releases.add("acme/rocket", "v1.0", assets={"rocket.tar.gz": 10})
    gh.releases.downloads("acme/rocket", "v1.0", "rocket.tar.gz", 25)  # cumulative, as GitHub counts
    gh.releases.delete_asset("acme/rocket", "v1.0", "rocket.tar.gz")
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from devtools.fake_github_types import DOC_URL

if TYPE_CHECKING:
    from devtools.fake_github import FakeGitHub
    from devtools.fake_github_http import GitHubHandler


@dataclass
class FakeAsset:
    asset_id: int
    name: str
    download_count: int
    created_at: datetime
    updated_at: datetime
    size: int = 1024
    content_type: str = "application/octet-stream"


@dataclass
class FakeRelease:
    release_id: int
    tag_name: str
    name: str | None
    published_at: datetime | None
    draft: bool = False
    prerelease: bool = False
    assets: list[FakeAsset] = field(default_factory=list)


def _stamp(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeReleases:
    """Release state per repository (lower-case full name), newest release last in each list."""

    def __init__(self, github: FakeGitHub) -> None:
        self.github = github
        self.by_repo: dict[str, list[FakeRelease]] = {}
        self._lock = threading.Lock()
        self._next_id = 7_000_000

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    def add(
        self, full_name: str, tag: str, *, name: str | None = None, assets: dict[str, int] | None = None,
        draft: bool = False, prerelease: bool = False, published_at: datetime | None = None,
    ) -> FakeRelease:
        """A new release (published now unless a draft) with `assets` {file name: download count}."""
        now = self.github.now
        with self._lock:
            release = FakeRelease(self._id(), tag, name if name is not None else tag,
                                  None if draft else (published_at or now), draft=draft, prerelease=prerelease)
            for asset_name, count in (assets or {}).items():
                release.assets.append(FakeAsset(self._id(), asset_name, count, now, now))
            self.by_repo.setdefault(full_name.lower(), []).append(release)
        return release

    def release(self, full_name: str, tag: str) -> FakeRelease:
        return next(r for r in self.by_repo[full_name.lower()] if r.tag_name == tag)

    def asset(self, full_name: str, tag: str, asset_name: str) -> FakeAsset:
        return next(a for a in self.release(full_name, tag).assets if a.name == asset_name)

    def add_asset(self, full_name: str, tag: str, asset_name: str, count: int = 0) -> FakeAsset:
        now = self.github.now
        with self._lock:
            asset = FakeAsset(self._id(), asset_name, count, now, now)
            self.release(full_name, tag).assets.append(asset)
        return asset

    def downloads(self, full_name: str, tag: str, asset_name: str, count: int) -> None:
        """Set the asset's cumulative download count."""
        with self._lock:
            asset = self.asset(full_name, tag, asset_name)
            asset.download_count = count
            asset.updated_at = self.github.now

    def delete_asset(self, full_name: str, tag: str, asset_name: str) -> None:
        with self._lock:
            release = self.release(full_name, tag)
            release.assets = [a for a in release.assets if a.name != asset_name]

    def delete_release(self, full_name: str, tag: str) -> None:
        with self._lock:
            self.by_repo[full_name.lower()] = [r for r in self.by_repo[full_name.lower()] if r.tag_name != tag]

    def body(self, full_name: str) -> list[dict[str, Any]]:
        """Every release as GitHub lists it: newest first (by creation), full shape."""
        owner, _, repo = full_name.partition("/")
        base = f"https://api.github.com/repos/{owner}/{repo}/releases"
        with self._lock:
            releases = list(reversed(self.by_repo.get(full_name.lower(), [])))
            return [
                {
                    "url": f"{base}/{r.release_id}",
                    "html_url": f"https://github.com/{full_name}/releases/tag/{r.tag_name}",
                    "assets_url": f"{base}/{r.release_id}/assets",
                    "id": r.release_id,
                    "node_id": f"RE_{r.release_id}",
                    "tag_name": r.tag_name,
                    "target_commitish": "main",
                    "name": r.name,
                    "body": "",
                    "draft": r.draft,
                    "prerelease": r.prerelease,
                    "created_at": _stamp(r.published_at or self.github.now),
                    "published_at": _stamp(r.published_at),
                    "author": {"login": owner, "id": 1, "type": "User"},
                    "assets": [
                        {
                            "url": f"{base}/assets/{a.asset_id}",
                            "browser_download_url": f"https://github.com/{full_name}/releases/download/"
                                                    f"{r.tag_name}/{a.name}",
                            "id": a.asset_id,
                            "node_id": f"RA_{a.asset_id}",
                            "name": a.name,
                            "label": None,
                            "state": "uploaded",
                            "content_type": a.content_type,
                            "size": a.size,
                            "download_count": a.download_count,
                            "created_at": _stamp(a.created_at),
                            "updated_at": _stamp(a.updated_at),
                            "uploader": {"login": owner, "id": 1, "type": "User"},
                        }
                        for a in r.assets
                    ],
                }
                for r in releases
            ]


def serve_releases(handler: GitHubHandler, owner: str, name: str) -> None:
    """The route: a repository's releases, one page of them, Link headers to the others."""
    repo = handler._find(owner, name, "/releases")
    if repo is None:
        return
    try:
        per_page = min(max(int(handler._query.get("per_page", 30)), 1), 100)
        page = max(int(handler._query.get("page", 1)), 1)
    except ValueError:
        handler._send(422, {"message": "Validation Failed", "documentation_url": DOC_URL})
        return
    releases = handler.github.releases.body(repo.full_name)
    last = max(1, -(-len(releases) // per_page))
    base = f"{handler.github.link_base or handler.github.url}{handler._split.path}"
    links = []
    if page < last:
        links += [f'<{base}?per_page={per_page}&page={page + 1}>; rel="next"',
                  f'<{base}?per_page={per_page}&page={last}>; rel="last"']
    if page > 1:
        links += [f'<{base}?per_page={per_page}&page={page - 1}>; rel="prev"',
                  f'<{base}?per_page={per_page}&page=1>; rel="first"']
    chunk = releases[(page - 1) * per_page : page * per_page]
    handler._serve(repo, "releases", lambda: chunk, extra={"Link": ", ".join(links)} if links else {})
