# Everything is in pyproject.toml. This shim is for scrapyd-deploy, which builds the project's
# egg with `python setup.py bdist_egg` (and would otherwise write a setup.py of its own here,
# under another name and without the project's package data): docs/scale.md.
from setuptools import setup

setup()
