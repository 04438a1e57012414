"""History import: traffic kept elsewhere before ghtraffic (github-repo-stats data branches, the original
github-traffic-stats database, saved GitHub API answers), parsed whole and validated first, then merged
in one transaction by the collection's own merge (per-field maximum, rollups kept exact).

- `history.py`: what a parser hands over (`RepositoryHistory`), the report, `SourceError` (file:line).
- `ghrs.py`, `github_json.py`, `seed.py`: one parser per source, no writes.
- `services.py`: the writes (`history_import`, `seed_import`).
"""
