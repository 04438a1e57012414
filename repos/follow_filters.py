"""The tenant's follow filter: which repositories an import or the GitHub App installation (sync and
webhook additions) starts following. `follow_filter_allows()` is the one function that decides.

Patterns, one per line, fnmatch-style globs (`*`, `?`, `[abc]`), case-insensitive:

- a pattern without `/` matches the repository name (`docs-*`), one with `/` the full name (`acme/*`);
- `!pattern` excludes; `#` starts a comment line;
- a repository is followed when no include pattern is given or **any** include pattern matches, and
  **no** exclude pattern matches (the order of the lines does not matter).

Examples: `!sandbox-*` follows everything but sandboxes; `docs-*` and `api-*` follow only those;
`acme/*` with `!acme/legacy-*` follows acme's repositories but its legacy ones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from repos.github import RepoInfo
from repos.models import FollowFilter
from tenants.models import Tenant

MAX_PATTERNS = 100
MAX_PATTERN_LENGTH = 200


class FollowFilterInvalid(ValueError):
    """Patterns that cannot be used; the message names the line."""


@dataclass(frozen=True)
class FilterDecision:
    allowed: bool
    # Why it was left out: "fork", "archived", "private", "pattern:<the exclude pattern, no !>" or "no-include".
    reason: str = ""

    @property
    def explanation(self) -> str:
        if self.allowed:
            return "followed"
        if self.reason.startswith("pattern:"):
            return f"excluded by !{self.reason.removeprefix('pattern:')}"
        return {
            "fork": "a fork", "archived": "archived", "private": "private",
            "no-include": "matches no include pattern",
        }.get(self.reason, self.reason)


ALLOWED = FilterDecision(allowed=True)


def patterns_parse(text: str) -> tuple[list[str], list[str]]:
    """(include patterns, exclude patterns) of the filter's text, or FollowFilterInvalid."""
    includes: list[str] = []
    excludes: list[str] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.removeprefix("!").strip()
        if not pattern:
            raise FollowFilterInvalid(f"line {number}: `!` needs a pattern after it")
        if len(pattern) > MAX_PATTERN_LENGTH or pattern.count("/") > 1 or any(c.isspace() for c in pattern):
            raise FollowFilterInvalid(f"line {number}: {pattern[:60]!r} is not a name pattern like docs-* or acme/*")
        (excludes if negate else includes).append(pattern.lower())
    if len(includes) + len(excludes) > MAX_PATTERNS:
        raise FollowFilterInvalid(f"at most {MAX_PATTERNS} patterns")
    return includes, excludes


def _matches(pattern: str, info: RepoInfo) -> bool:
    subject = info.full_name if "/" in pattern else info.name
    return fnmatchcase(subject.lower(), pattern)


def follow_filter_allows(follow_filter: FollowFilter | None, info: RepoInfo) -> FilterDecision:
    """Whether the filter lets this repository be followed, and if not, why (the first reason found:
    fork, archived, private, then the patterns)."""
    if follow_filter is None:
        return ALLOWED
    if info.fork and not follow_filter.include_forks:
        return FilterDecision(False, "fork")
    if info.archived and not follow_filter.include_archived:
        return FilterDecision(False, "archived")
    if info.private and not follow_filter.include_private:
        return FilterDecision(False, "private")
    try:
        includes, excludes = patterns_parse(follow_filter.patterns)
    except FollowFilterInvalid:
        includes, excludes = [], []  # stored patterns were validated; never block on a bad row
    for pattern in excludes:
        if _matches(pattern, info):
            return FilterDecision(False, f"pattern:{pattern}")
    if includes and not any(_matches(pattern, info) for pattern in includes):
        return FilterDecision(False, "no-include")
    return ALLOWED


def follow_filter_needs_flags(follow_filter: FollowFilter | None) -> bool:
    """Whether deciding needs to know fork/archived (which App webhook payloads do not carry)."""
    return follow_filter is not None and not (follow_filter.include_forks and follow_filter.include_archived)


def follow_filter_of(*, tenant: Tenant) -> FollowFilter | None:
    return FollowFilter.objects.filter(tenant=tenant).first()


def follow_filter_set(
    *, tenant: Tenant, include_forks: bool, include_archived: bool, include_private: bool, patterns: str
) -> FollowFilter:
    """Save the tenant's filter (patterns validated: FollowFilterInvalid). Followed repositories stay."""
    patterns_parse(patterns)
    lines = [line.strip() for line in (patterns or "").splitlines() if line.strip()]
    follow_filter, _ = FollowFilter.objects.update_or_create(
        tenant=tenant,
        defaults={
            "include_forks": include_forks, "include_archived": include_archived,
            "include_private": include_private, "patterns": "\n".join(lines),
        },
    )
    return follow_filter


def skipped_summary(skipped: Iterable[tuple[str, FilterDecision]]) -> str:
    """E.g. "skipped 3 forks, 2 archived, 1 by pattern sandbox-*" (empty when nothing was skipped)."""
    counts = Counter(decision.reason for _, decision in skipped)
    if not counts:
        return ""
    parts = []
    for reason, label in (("fork", "fork"), ("archived", "archived"), ("private", "private")):
        if counts[reason]:
            plural = "s" if reason == "fork" and counts[reason] > 1 else ""
            parts.append(f"{counts[reason]} {label}{plural}")
    for reason, count in sorted(counts.items()):
        if reason.startswith("pattern:"):
            parts.append(f"{count} by pattern {reason.removeprefix('pattern:')}")
    if counts["no-include"]:
        parts.append(f"{counts['no-include']} matching no include pattern")
    return "skipped " + ", ".join(parts)
