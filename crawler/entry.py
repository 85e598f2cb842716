"""The `tnu-archive` program: the command line (crawler/cli.py) in a process of its own.

sqlite-utils imports pandas whenever it is installed (to convert pandas values on insert, which
tnu-archive never hands it), and the production environment (`pip install .`) has no pandas.
Where an environment happens to have it (the test extras bring it, as a researcher's may), a
crawl paid its import twice, ~0.5 s of CPU each: in its command and in its writer. A crawl's
command declares pandas absent before anything is imported, as does the helpers' server
(crawler/operations/helpers.py), so they run as in production. The other commands are left
alone: `export` writes Parquet with pyarrow, which takes a pandas declared absent for a broken
install. Importing crawler.cli from other code (tests, a notebook) declares nothing.
"""

from __future__ import annotations

import sys

# Not imported by a crawl's processes: what sqlite-utils would load for nothing (a module set to
# None in sys.modules makes its import raise ImportError, which sqlite-utils takes for "not installed").
UNUSED = ("pandas",)
# The commands that run a crawl: the command line's process, the writer and the extraction worker.
CRAWLS = frozenset({"crawl", "demo", "recover"})


def declare_unused() -> None:
    """Say the unused modules are absent, unless this process imported them already."""
    for name in UNUSED:
        sys.modules.setdefault(name, None)


def command(argv: list[str]) -> str | None:
    """The command a command line names: its first word that is not an option."""
    return next((word for word in argv if not word.startswith("-")), None)


def main() -> None:
    if command(sys.argv[1:]) in CRAWLS:
        declare_unused()
    from crawler.cli import main as cli_main  # noqa: PLC0415  (after the declaration: it imports sqlite-utils)

    cli_main()
