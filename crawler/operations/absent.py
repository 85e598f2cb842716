"""What a crawl's processes declare absent before importing anything of theirs.

sqlite-utils imports pandas whenever it is installed (to convert pandas values on insert, which
tnu-archive never hands it), and the production environment (`pip install .`) has no pandas.
Where an environment happens to have it (the test extras bring it, as a researcher's may), a
crawl paid its import twice, ~0.5 s of CPU each: in its command and in its writer. A crawl's
command (crawler/entry.py) and the helpers' server (crawler/operations/helpers.py) declare it
absent, so they run as in production. Other commands do not: `export` writes Parquet with
pyarrow, which takes a pandas declared absent for a broken install.
"""

from __future__ import annotations

import sys

# A module set to None in sys.modules makes its import raise ImportError, which sqlite-utils
# takes for "not installed".
UNUSED = ("pandas",)


def declare_unused() -> None:
    """Say the unused modules are absent, unless this process imported them already."""
    for name in UNUSED:
        sys.modules.setdefault(name, None)
