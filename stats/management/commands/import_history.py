"""Import traffic history kept before ghtraffic (README "Bringing your history").

    import_history ghrs PATH --tenant SLUG --repo OWNER/NAME
    import_history github-json FILE… --tenant SLUG --repo OWNER/NAME [--date YYYY-MM-DD]
    import_history seed --source-url URL [--notify]

Exit status: 0 done (a report of what was imported, merged and skipped); 2 bad arguments or a malformed
source, with one line naming the file and line: nothing is imported then.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from repos.services import RepositoryNameInvalid, parse_full_name
from stats.imports import ghrs, github_json, seed
from stats.imports.history import ImportReport, SourceError
from stats.imports.services import history_import, seed_import
from tenants.models import Tenant
from tenants.scoping import system_scope

EXIT_BAD = 2


def _bad(message: str) -> CommandError:
    return CommandError(message, returncode=EXIT_BAD)


class Command(BaseCommand):
    help = ("Import traffic history: a github-repo-stats data folder (ghrs), saved GitHub API answers "
            "(github-json) or the original github-traffic-stats database (seed). Exit 0 done, 2 bad arguments "
            "or a malformed source (nothing imported).")

    def add_arguments(self, parser: CommandParser) -> None:
        sources = parser.add_subparsers(dest="source", required=True, metavar="SOURCE")
        # The subparsers must raise CommandError like the main parser (exit 2, one line).
        ghrs_parser = sources.add_parser("ghrs", help="A ghrs-data folder, or the folder holding it.",
                                         called_from_command_line=getattr(parser, "called_from_command_line", None))
        ghrs_parser.add_argument("path", metavar="PATH")
        json_parser = sources.add_parser("github-json", help="views/clones answers saved from GitHub's API.",
                                         called_from_command_line=getattr(parser, "called_from_command_line", None))
        json_parser.add_argument("files", nargs="+", metavar="FILE")
        json_parser.add_argument("--date", metavar="YYYY-MM-DD",
                                 help="The UTC day the answers were fetched (default: each file's modification day).")
        for sub in (ghrs_parser, json_parser):
            sub.add_argument("--tenant", required=True, metavar="SLUG")
            sub.add_argument("--repo", required=True, metavar="OWNER/NAME")
        seed_parser = sources.add_parser("seed", help="The original github-traffic-stats database.",
                                         called_from_command_line=getattr(parser, "called_from_command_line", None))
        seed_parser.add_argument("--source-url", required=True, metavar="URL",
                                 help="db2://user:password@host:port/DATABASE[?schema=S] or sqlite:///path")
        seed_parser.add_argument("--notify", action="store_true", help="E-mail the invitations it creates.")

    @system_scope()  # scope: system work (any tenant; seed creates tenants)
    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = self._import(options)
        except SourceError as exc:
            raise _bad(str(exc)) from None
        except seed.SeedUnavailable as exc:
            raise _bad(str(exc)) from None
        for line in report.lines():
            self.stdout.write(line)
        if not report.changed:
            self.stdout.write("nothing new: everything was already here")

    def _import(self, options: dict[str, Any]) -> ImportReport:
        if options["source"] == "seed":
            connection, label = seed.connect(options["source_url"])
            try:
                tenants = seed.read(connection, label)
            finally:
                connection.close()
            return seed_import(tenants=tenants, notify=options["notify"])
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise _bad(f"--tenant: unknown tenant {options['tenant']!r}")
        try:
            parse_full_name(options["repo"])
        except RepositoryNameInvalid as exc:
            raise _bad(f"--repo: {exc}") from None
        if options["source"] == "ghrs":
            history = ghrs.parse(ghrs.files_from_folder(Path(options["path"])))
        else:
            history = github_json.parse(self._answers(options["files"], options["date"]))
        return history_import(tenant=tenant, full_name=options["repo"], history=history)

    def _answers(self, files: list[str], day: str | None) -> list[github_json.SavedAnswer]:
        fetched_on: date | None = None
        if day is not None:
            try:
                fetched_on = date.fromisoformat(day)
            except ValueError:
                raise _bad(f"--date: {day!r} is not a date like 2026-01-31") from None
        answers = []
        for name in files:
            path = Path(name)
            if not path.is_file():
                raise _bad(f"{name}: no such file")
            if path.stat().st_size > github_json.MAX_FILE_BYTES:
                raise _bad(f"{name}: larger than 1 MB: not a GitHub traffic answer")
            modified = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).date()
            answers.append(github_json.SavedAnswer(where=name, data=path.read_bytes(),
                                                   fetched_on=fetched_on or modified))
        return answers
