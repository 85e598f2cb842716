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
