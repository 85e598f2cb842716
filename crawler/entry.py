"""The `tnu-archive` program: the command line (crawler/cli.py) in a process of its own.

sqlite-utils imports pandas whenever it is installed (to convert pandas values on insert, which
tnu-archive never hands it), and the production environment (`pip install .`) has no pandas.
Where an environment happens to have it (the test extras bring it, as a researcher's may), every
command paid its import: ~0.5 s of CPU, about half the start-up of a `runs` or a crawl's
writer. In a process of our own, pandas is declared absent before anything is imported, so every
command runs as in production; importing crawler.cli from other code (tests, a notebook) does
not do this.
"""

from __future__ import annotations

import sys

# Not imported by any command: what sqlite-utils would load for nothing (a module set to None in
# sys.modules makes its import raise ImportError, which sqlite-utils takes for "not installed").
UNUSED = ("pandas",)


def declare_unused() -> None:
    """Say the unused modules are absent, unless this process imported them already."""
    for name in UNUSED:
        sys.modules.setdefault(name, None)


def main() -> None:
    declare_unused()
    from crawler.cli import main as cli_main  # noqa: PLC0415  (after the declaration: it imports sqlite-utils)

    cli_main()
