"""The layers point down: crawler/ uses archive/, never the other way round. Every module of
archive/ imports without loading crawler/ or Scrapy (checked in a fresh interpreter, where no
other test has imported them already)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import importlib, pkgutil, sys
import archive
names = [m.name for m in pkgutil.walk_packages(archive.__path__, "archive.") if not m.name.endswith("__main__")]
for name in names:
    importlib.import_module(name)
above = sorted({m.split(".")[0] for m in sys.modules} & {"crawler", "scrapy", "twisted"})
print(len(names), " ".join(above))
"""


def test_the_archive_layer_loads_nothing_from_above():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    modules, *above = done.stdout.split()
    assert int(modules) > 20  # the walk found the layer's modules
    assert above == [], f"archive/ loads {above}"


# What a crawl's processes import (crawler/operations/helpers.py): each only what it uses. The
# crawler's own modules, as Scrapy loads them for a crawl...
CRAWLER_MODULES = (
    "crawler.cli",
    "crawler.operations.process",
    "crawler.operations.progress",
    "crawler.pipelines",
    "crawler.spiders.news",
    "crawler.spiders.recover",
    "crawler.recovery.pipeline",
    "crawler.fetching.fetchlog",
    "crawler.fetching.warc",
    "crawler.fetching.compression",
    "crawler.fetching.netguard",
    "crawler.fetching.slots",
)
# ...load neither the extraction worker's side nor what only a run's end, `verify` or `export` need
# (surt: the writer's CDXJ keys; cdxj_indexer: indexing a killed run's WARC file)...
NOT_IN_THE_CRAWLER = ("crawler.extract", "archive.verify", "archive.export", "surt", "cdxj_indexer")
# ...and the extraction worker loads no database library (sqlite-utils brings pandas where it is installed).
NOT_IN_THE_WORKER = ("sqlite_utils", "archive.store", "archive.db", "pandas")

IMPORTED = """
import importlib, sys
for name in sys.argv[1].split(","):
    importlib.import_module(name)
wanted = sys.argv[2].split(",")
print(" ".join(sorted(w for w in wanted if any(m == w or m.startswith(w + ".") for m in sys.modules))))
"""


def _loaded(modules: tuple[str, ...], unwanted: tuple[str, ...]) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", IMPORTED, ",".join(modules), ",".join(unwanted)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_the_crawlers_process_loads_neither_the_extractor_nor_what_only_other_commands_need():
    assert _loaded(CRAWLER_MODULES, NOT_IN_THE_CRAWLER) == []


def test_the_extraction_worker_loads_no_database_library():
    assert _loaded(("crawler.operations.extract_pool", "crawler.extract.article"), NOT_IN_THE_WORKER) == []


# The command and the helpers' server are processes of our own: there pandas, which sqlite-utils
# imports wherever it is installed and no command uses, is declared absent (crawler/entry.py).
def _pandas_is_installed() -> None:
    # without pandas in this environment the tests below would prove nothing: the test extras bring it
    import importlib.util

    assert importlib.util.find_spec("pandas") is not None


def test_a_crawls_command_runs_without_importing_pandas(tmp_path):
    _pandas_is_installed()
    done = subprocess.run(
        # refused at its site name, after the command has read the archive's sites
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "crawler",
            "crawl",
            "--site",
            "nosuch",
            "--db",
            str(tmp_path / "a.db"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "no site named 'nosuch'" in done.stderr
    assert "sqlite_utils" in imported  # the command opened the archive...
    # ...without what sqlite-utils would have loaded for nothing
    assert not [name for name in imported if name.split(".")[0] == "pandas"]


HELPER = """
from crawler.operations.helpers import helpers_context
check = "import sys; sys.exit(0 if 'archive.writer' in sys.modules and sys.modules.get('pandas') is None else 3)"
child = helpers_context().Process(target=exec, args=(check,))  # a builtin: the child needs nothing of this script
child.start()
child.join(120)
print(child.exitcode)
"""


def test_the_helpers_server_preloads_the_writer_without_pandas():
    _pandas_is_installed()
    # in a fresh interpreter: a server another test started here may have been started otherwise
    done = subprocess.run([sys.executable, "-c", HELPER], capture_output=True, text=True, cwd=ROOT, timeout=180)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0"]
