"""The dataset `export` writes (archive/export.py packages it): which tables, rows and typed
columns (tables.py), the files (files.py: Parquet, CSV, JSON Lines), the card's figures and prose
(facts.py, card.py) and its machine-readable metadata (metadata.py: Croissant, Frictionless)."""
