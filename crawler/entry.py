"""The `tnu-archive` program: the command line (crawler/cli.py) in a process of its own.

A crawl's command first declares what it never uses absent (crawler/operations/absent.py), so
that importing sqlite-utils does not load pandas for nothing. Importing crawler.cli from other
code (tests, a notebook) declares nothing.
"""

from __future__ import annotations

import sys

from crawler.operations.absent import declare_unused

# The commands that run a crawl: the command line's process, the writer and the extraction worker.
CRAWLS = frozenset({"crawl", "demo", "recover"})


def command(argv: list[str]) -> str | None:
    """The command a command line names: its first word that is not an option."""
    return next((word for word in argv if not word.startswith("-")), None)


def main() -> None:
    if command(sys.argv[1:]) in CRAWLS:
        declare_unused()
    from crawler.cli import main as cli_main  # noqa: PLC0415  (after the declaration: it imports sqlite-utils)

    cli_main()
