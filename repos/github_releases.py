"""GitHub's release list (`GET /repos/{o}/{n}/releases`), paginated, through the client's machinery
(budget, retries, rate limits, error codes)."""

from __future__ import annotations

from typing import Any

from repos.github import ApiResponse, GitHubBadResponse, GitHubClient, _require, _same_origin

# 100 per page (GitHub's maximum); a repository with more than MAX_PAGES * 100 releases keeps its newest.
PER_PAGE = 100
MAX_PAGES = 10
RELEASE_KEYS = ("id", "tag_name", "draft", "assets")
ASSET_KEYS = ("id", "name", "download_count")


def releases_list(client: GitHubClient, full_name: str) -> ApiResponse:
    """Every release of the repository (newest first, as GitHub lists them), one request per page.

    The answer's `next_url` is set when pages were left unread (more than MAX_PAGES): the list is then
    incomplete, and an asset missing from it must not be taken for deleted."""
    path = f"/repos/{full_name}/releases"
    url: str | None = path
    params: dict[str, Any] | None = {"per_page": PER_PAGE}
    releases: list[Any] = []
    etag = ""
    for _page in range(MAX_PAGES):
        response = client.get(url, params=params)  # type: ignore[arg-type]
        _require(response.data, list, (), path)
        for release in response.data:
            _require(release, dict, RELEASE_KEYS, path)
            _require(release["assets"], list, (), path)
            for asset in release["assets"]:
                _require(asset, dict, ASSET_KEYS, path)
        releases.extend(response.data)
        etag = etag or response.etag
        # Link URLs carry their own query string.
        url, params = response.next_url, None
        if url is None:
            break
        if not _same_origin(url, client.base_url):
            # The token travels with every request: never to a host the Link header picked.
            raise GitHubBadResponse("GitHub's next-page link for releases points to another host; refusing to follow")
    return ApiResponse(status=200, data=releases, etag=etag, next_url=url)
