"""The README's exit-code table is the contract cron and monitors rely on: it lists every exit
code of archive/outcome.py, with its number, and no other."""

from __future__ import annotations

import re
from pathlib import Path

from archive import outcome

README = Path(__file__).resolve().parent.parent / "README.md"


def exit_code_rows(text: str) -> list[tuple[int, str]]:
    """(code, meaning) of each row of the table under the `### Exit codes` heading."""
    section = text.split("\n### Exit codes\n", 1)[1]
    section = re.split(r"^#{1,3} ", section, maxsplit=1, flags=re.M)[0]
    return [
        (int(m.group(1)), m.group(2).strip()) for m in re.finditer(r"^\|\s*(\d+)\s*\|(.*)\|\s*$", section, flags=re.M)
    ]


def exit_constants() -> dict[str, int]:
    return {name: value for name, value in vars(outcome).items() if name.startswith("EXIT_") and isinstance(value, int)}


def test_the_table_lists_every_exit_code_of_outcome_and_no_other():
    rows = exit_code_rows(README.read_text(encoding="utf-8"))
    codes = [code for code, _ in rows]
    assert len(codes) == len(set(codes)), f"a code is listed twice: {codes}"
    constants = exit_constants()
    missing = {name: value for name, value in constants.items() if value not in codes}
    assert not missing, f"exit codes of archive/outcome.py missing from the README's table: {missing}"
    unknown = sorted(set(codes) - set(constants.values()))
    assert not unknown, f"the README's table lists codes archive/outcome.py does not have: {unknown}"
    assert all(meaning for _, meaning in rows)


def test_the_table_is_read_as_written():
    sample = (
        "x\n### Exit codes\n\n| code | meaning |\n| ---: | --- |\n| 0 | fine |\n| 7 | new |\n"
        "\n## Next\n| 9 | not it |\n"
    )
    assert exit_code_rows(sample) == [(0, "fine"), (7, "new")]
