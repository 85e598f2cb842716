"""`verify` reads the WARC files, the evidence the archive was made from, after real crawls of
the replica: a WARC file gone, cut short, damaged or disagreeing with `captures` is a problem
(exit 5, the file named); an intact archive passes."""

from __future__ import annotations

import gzip
import shutil
import sqlite3
import zlib
from pathlib import Path

import pytest
from cron_support import first_crawl
from e2e_support import crawl, run_cli

from archive.verify import verify


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Path:
    """Two crawls of the replica: two WARC files, the second one's captures revisits. The first
    is the session's shared first crawl (exit 0), copied; the second runs on the copy."""
    first = first_crawl(tmp_path_factory)
    folder = tmp_path_factory.mktemp("verify-warc") / "data"
    first.copy_archive(folder)
    with first.serve() as replica:  # the same site on the same ports
        result = crawl(replica, folder / "tnu.sqlite", folder / "images")
    assert result.returncode == 0, result.stderr
    return folder


@pytest.fixture
def archive(crawled, tmp_path) -> Path:
    """A copy of the crawled archive, free to damage."""
    return Path(shutil.copytree(crawled, tmp_path / "data"))


def warcs(folder: Path) -> list[Path]:
    return sorted((folder / "warc").glob("*.warc.gz"))


def run_verify(folder: Path, *extra: str):
    return run_cli("verify", "--db", str(folder / "tnu.sqlite"), "--images-dir", str(folder / "images"), *extra)


def captures(folder: Path, sql: str = "SELECT count(*) FROM captures", *args) -> list[tuple]:
    with sqlite3.connect(folder / "tnu.sqlite") as conn:
        return conn.execute(sql, args).fetchall()


def test_an_intact_archive_passes_and_full_compares_every_digest(archive):
    (total,) = captures(archive)[0]
    records = sum(1 for _ in gzip_members(warcs(archive)[0])) + sum(1 for _ in gzip_members(warcs(archive)[1]))
    result = run_verify(archive, "--full")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert f"2 WARC files checked ({records} records read, {total} payload digests compared), no problem" in (
        result.stderr
    )
    # without --full, a sample: here every capture but one is left out
    report = verify(archive / "tnu.sqlite", archive / "images", sample=1)
    assert report.ok and report.warc_records_read == records
    assert report.warc_digests_checked <= total // 2


def test_a_deleted_warc_file_is_named(archive):
    gone, kept = warcs(archive)
    (named,) = captures(archive, "SELECT count(*) FROM captures WHERE warc_file = ?", gone.name)[0]
    gone.unlink()
    result = run_verify(archive)
    assert result.returncode == 5
    assert result.stdout.splitlines() == [
        f"warc: {gone}: missing (named by {named} captures and the CDXJ index {gone.name[: -len('.warc.gz')]}.cdxj)"
    ]
    assert kept.name not in result.stdout


def test_every_warc_file_deleted_is_not_no_problem(archive):
    for warc in warcs(archive):
        warc.unlink()
    result = run_verify(archive)
    assert result.returncode == 5
    assert len(result.stdout.splitlines()) == 2
    assert "no problem" not in result.stderr


def test_a_truncated_warc_file_is_named(archive):
    victim = warcs(archive)[0]
    victim.write_bytes(victim.read_bytes()[: victim.stat().st_size // 2])
    result = run_verify(archive)
    assert result.returncode == 5
    (line,) = result.stdout.splitlines()
    assert line.startswith(f"warc: {victim}: cut short: ends inside a record at byte ")
    assert "; captures lost with it (" in line and "): capture " in line


def test_a_warc_file_cut_between_two_records_is_named(archive):
    victim = warcs(archive)[0]
    (offset,) = captures(
        archive, "SELECT max(offset) FROM captures WHERE warc_file = ? AND record_type = 'response'", victim.name
    )[0]
    victim.write_bytes(victim.read_bytes()[:offset])  # a whole file, as far as gzip can tell
    result = run_verify(archive)
    assert result.returncode == 5
    (line,) = result.stdout.splitlines()
    assert line.startswith(f"warc: {victim}: captures without their record at their offset (1): capture ")
    assert line.endswith(f"(offset {offset})")


def test_one_damaged_byte_is_named(archive):
    victim = warcs(archive)[1]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    result = run_verify(archive)
    assert result.returncode == 5
    (line,) = result.stdout.splitlines()
    assert line.startswith(f"warc: {victim}: damaged (Error -3 while decompressing data")


def test_a_rewritten_record_is_found_by_its_payload_digest(archive):
    """A record whose body was changed and compressed again reads fine: only its digest, against
    `captures`, tells."""
    victim = warcs(archive)[0]
    capture_id, offset, length = captures(
        archive,
        "SELECT id, offset, length FROM captures WHERE warc_file = ? AND record_type = 'response'"
        " ORDER BY length DESC LIMIT 1",
        victim.name,
    )[0]
    data = victim.read_bytes()
    record = zlib.decompress(data[offset : offset + length], zlib.MAX_WBITS | 16)
    body_byte = len(record) - 5  # the body's last byte, before the record's closing CRLF CRLF
    record = record[:body_byte] + bytes([record[body_byte] ^ 0x01]) + record[body_byte + 1 :]
    member = gzip.compress(record, mtime=0)
    victim.write_bytes(data[:offset] + member + data[offset + length :])
    # `captures` told of the new length and offsets: only the payload differs from what it says
    shift = len(member) - length
    with sqlite3.connect(archive / "tnu.sqlite") as conn:
        conn.execute("UPDATE captures SET length = ? WHERE id = ?", [len(member), capture_id])
        conn.execute(
            "UPDATE captures SET offset = offset + ? WHERE warc_file = ? AND offset > ?", [shift, victim.name, offset]
        )
    assert verify(archive / "tnu.sqlite", archive / "images", sample=0).ok  # every record reads
    result = run_verify(archive, "--full")
    assert result.returncode == 5
    (line,) = result.stdout.splitlines()
    assert line.startswith(f"warc: {victim}: capture {capture_id}: its payload's digest is sha1:")


def test_captures_that_disagree_with_the_warc_are_found_with_full(archive):
    (capture_id,) = captures(archive, "SELECT max(id) FROM captures WHERE record_type = 'response'")[0]
    with sqlite3.connect(archive / "tnu.sqlite") as conn:
        conn.execute("UPDATE captures SET payload_digest = 'sha1:AAAA' WHERE id = ?", [capture_id])
    assert verify(archive / "tnu.sqlite", archive / "images", sample=0).ok
    result = run_verify(archive, "--full")
    assert result.returncode == 5
    (line,) = result.stdout.splitlines()
    assert f": capture {capture_id}: its payload's digest is sha1:" in line and line.endswith(", recorded sha1:AAAA")


def test_the_torn_end_of_a_file_being_written_is_no_damage_until_it_is_indexed(archive):
    """A running crawl's file, or a killed run's, has no CDXJ index yet and may end inside a
    record no capture points to: the next run cuts it off."""
    victim = warcs(archive)[1]
    first_member = next(gzip_members(victim))
    with open(victim, "ab") as fh:
        fh.write(first_member[: len(first_member) // 2])
    index = victim.with_name(victim.name[: -len(".warc.gz")] + ".cdxj")
    saved = index.read_bytes()
    index.unlink()
    result = run_verify(archive)
    assert result.returncode == 0, result.stdout
    index.write_bytes(saved)
    result = run_verify(archive)
    assert result.returncode == 5
    assert result.stdout.startswith(f"warc: {victim}: cut short: ends inside a record at byte ")


def gzip_members(path: Path):
    """The bytes of each gzip member (one WARC record each) of a WARC file."""
    data = path.read_bytes()
    while data:
        member = zlib.decompressobj(zlib.MAX_WBITS | 16)
        member.decompress(data)
        end = len(data) - len(member.unused_data)
        yield data[:end]
        data = member.unused_data


def test_every_damaged_member_is_named_and_the_rest_of_each_file_is_read(archive):
    """A bad gzip member does not end the check of its file: each one is a line (file, byte,
    what zlib said, the captures lost with it), the records after it are read and checked, and
    the other files too; the summary counts every problem."""
    first, second = warcs(archive)
    intact = run_verify(archive)
    assert intact.returncode == 0, intact.stdout
    records = int(intact.stderr.split(" records read")[0].rsplit("(", 1)[1])

    def damage(victim: Path, picks: list[int]) -> list[tuple[int, int, int]]:
        """Flip a byte inside the compressed data of the members at these positions (of the
        file's members): [(offset, length, capture id)]."""
        rows = captures(
            archive, "SELECT offset, length, id FROM captures WHERE warc_file = ? ORDER BY offset", victim.name
        )
        data = bytearray(victim.read_bytes())
        chosen = [rows[i] for i in picks]
        for offset, length, _ in chosen:
            data[offset + length // 2] ^= 0xFF
        victim.write_bytes(bytes(data))
        return chosen

    rows_first = captures(archive, "SELECT count(*) FROM captures WHERE warc_file = ?", first.name)[0][0]
    bad = {first: damage(first, [1, rows_first // 2]), second: damage(second, [2])}
    result = run_verify(archive)
    assert result.returncode == 5
    lines = result.stdout.splitlines()
    damaged = [(victim, member) for victim, members in bad.items() for member in members]
    assert len(lines) == len(damaged) == 3, "\n".join(lines)
    for line, (victim, (offset, length, capture_id)) in zip(lines, damaged, strict=True):
        assert line.startswith(f"warc: {victim}: damaged (Error -3 while decompressing data"), line
        assert f" at byte {offset}; {length} bytes skipped to the next member, at byte {offset + length}" in line
        assert line.endswith(f"; captures lost with it (1): capture {capture_id} (offset {offset})"), line
    # every record but the three damaged ones was read, the other file's and those after each damage
    assert f"{records - 3} records read" in result.stderr
    assert result.stderr.rstrip().endswith("3 problem(s)"), result.stderr


def test_the_search_for_the_next_member_is_bounded(archive, tmp_path):
    """Past the bound, the rest of the file is named as unread in the damage's line, never scanned."""
    from archive.captures.verify_warc import _gzip_members

    victim = warcs(archive)[0]
    members = list(gzip_members(victim))
    broken = bytearray(members[0])
    broken[len(broken) // 2] ^= 0xFF
    path = tmp_path / "two.warc.gz"
    path.write_bytes(bytes(broken) + members[1])
    found = _gzip_members(path)
    assert [(d.start, d.end) for d in found.damages] == [(0, len(broken))]
    assert found.spans == [(len(broken), len(broken) + len(members[1]))]
    bounded = _gzip_members(path, resync_bytes=len(broken) // 4)
    assert [d.start for d in bounded.damages] == [0] and bounded.spans == []
    assert bounded.damages[0].after == (
        f"; no whole gzip member in the {len(broken) // 4} bytes after it (the search's bound): "
        f"{path.stat().st_size} bytes to the end not read"
    )
    # the file's last member damaged: nothing after it to find
    path.write_bytes(members[1] + bytes(broken))
    last = _gzip_members(path).damages
    assert [(d.start, d.after) for d in last] == [
        (len(members[1]), f"; no whole gzip member after it: {len(broken)} bytes to the end not read")
    ]


def test_a_gzip_body_inside_a_damaged_record_is_not_taken_for_the_next_member(tmp_path):
    """A record stored uncompressed (a gzip-encoded page, an image) carries its payload as it is:
    the page's own gzip stream reads whole, but it is no WARC record, so the search goes on."""
    from archive.captures.verify_warc import _gzip_members
    from archive.captures.warc_writer import _stored_gzip_member

    body = gzip.compress(b"<html><body>" + b"tin tuc " * 200 + b"</body></html>", mtime=0)
    record = b"WARC/1.1\r\nWARC-Type: response\r\nContent-Length: %d\r\n\r\n%s\r\n\r\n" % (len(body), body)
    stored = bytearray(_stored_gzip_member(record))
    assert stored.find(body) > 0
    stored[20] ^= 0xFF  # in the record's header, before the page's gzip stream
    following = gzip.compress(b"WARC/1.1\r\nWARC-Type: request\r\nContent-Length: 0\r\n\r\n\r\n\r\n", mtime=0)
    path = tmp_path / "stored.warc.gz"
    path.write_bytes(bytes(stored) + following)
    scan = _gzip_members(path)
    assert [(d.start, d.end) for d in scan.damages] == [(0, len(stored))]
    assert scan.spans == [(len(stored), len(stored) + len(following))]
