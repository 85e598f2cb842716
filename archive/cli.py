"""The `tnu-archive` command: a thin shell over the archive's Python API.

Every command takes --db and --images-dir with the same defaults. Errors a user can fix end in
one clear line on stderr and a documented exit code, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from archive import __version__

DEFAULT_DB = Path("data/tnu.sqlite")
DEFAULT_IMAGES = Path("data/images")

# Exit codes (documented in the README).
EXIT_OK = 0  # the run finished; failures of single pages/images are recorded, not fatal
EXIT_FAILED = 1  # the command could not run (bad argument, unreachable site, unreadable database)
EXIT_USAGE = 2  # click's own code for a bad command line
EXIT_DRIFT = 3  # the run finished but the layout seems to have changed (fill rates fell, no articles)
EXIT_LOCKED = 4  # another run holds the data folder's lock
EXIT_VERIFY = 5  # verify found missing or corrupt files


def db_option(func):
    return click.option(
        "--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_DB,
        show_default=True, help="SQLite archive file.",
    )(func)


def images_option(func):
    return click.option(
        "--images-dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_IMAGES,
        show_default=True, help="Folder of the downloaded images.",
    )(func)


def fail(message: str, code: int = EXIT_FAILED) -> None:
    """End the command with one clear line on stderr."""
    click.echo(f"tnu-archive: {message}", err=True)
    sys.exit(code)


@click.group()
@click.version_option(__version__, prog_name="tnu-archive")
def cli() -> None:
    """Archive the news of Thai Nguyen University (tnu.edu.vn) into one SQLite file."""


def main() -> None:
    cli()
