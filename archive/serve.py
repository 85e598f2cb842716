"""`tnu-archive serve`: the archive in Datasette, with its data dictionary, images, search,
dashboard and article pages.

The archive is opened as a mutable database, read through read-only connections: Datasette sees
what a cron crawl commits as it commits it (WAL lets readers and the writer work side by side),
and never writes to the archive.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from archive import __version__
from archive.browse import DB_NAME, IMAGES_MOUNT, TEMPLATES_DIR
from archive.browse.guard import guard
from archive.browse.sites import SiteSummary, site_summaries
from archive.db import MIGRATIONS, SchemaTooNew, check_version, connect
from archive.storage.existing import NoArchive, immutable_needed, readonly_uri, require_archive

if TYPE_CHECKING:
    from datasette.app import Datasette

# Datasette, its plugins and uvicorn are imported where they are used: loading them takes a
# second or more, and a wrong --db or a busy port should be reported before that.

# Settings chosen for this archive (Datasette's defaults otherwise).
SETTINGS = {
    # A folded search with snippets over years of articles can take more than Datasette's 1 s.
    "sql_time_limit_ms": 5000,
    # body_html and body_text fill the screen in table views; the article page shows them whole.
    "truncate_cells_html": 300,
}


class ServeError(Exception):
    """The archive cannot be served; the message is one line for the user."""


def prepare_archive(db_path: Path) -> None:
    """Check that `db_path` is an archive and bring its schema up to date if it is behind.

    Nothing is written when the schema is current, so serving a copy on read-only media works.
    """
    try:  # a file that is no archive is left as it is, never migrated into an empty archive
        require_archive(db_path)
    except NoArchive as exc:
        raise ServeError(str(exc)) from None
    try:
        conn = sqlite3.connect(readonly_uri(db_path, immutable_needed(db_path)), uri=True, timeout=30)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            version = check_version(conn, db_path)
        finally:
            conn.close()
    except SchemaTooNew as exc:
        raise ServeError(str(exc)) from None
    except sqlite3.DatabaseError as exc:
        raise ServeError(f"{db_path} is not a readable SQLite archive: {exc}") from exc
    if version < len(MIGRATIONS):
        connect(db_path).close()


def _register_plugin() -> None:
    from datasette.plugins import pm  # noqa: PLC0415

    from archive.browse import plugin  # noqa: PLC0415

    if not pm.is_registered(plugin):
        pm.register(plugin, name="tnu-archive")


def archive_sites(db_path: Path) -> list[SiteSummary]:
    """The sites the archive holds, read (never written) when the server starts: the metadata
    names them. The home page reads them again on every visit (archive/browse/plugin.py)."""
    conn = sqlite3.connect(readonly_uri(db_path, immutable_needed(db_path)), uri=True, timeout=30)
    try:
        return site_summaries(conn)
    finally:
        conn.close()


def make_app(db_path: Path, images_dir: Path) -> Datasette:
    """The Datasette instance serving the archive at `db_path` and the images in `images_dir`."""
    from datasette.app import Database, Datasette  # noqa: PLC0415

    from archive.browse.metadata import build_metadata  # noqa: PLC0415

    _register_plugin()
    ds = Datasette(
        files=[],
        metadata=build_metadata(archive_sites(db_path)),
        template_dir=str(TEMPLATES_DIR),
        static_mounts=[(IMAGES_MOUNT, str(Path(images_dir).resolve()))],
        settings=SETTINGS,
        version_note=f"tnu-archive {__version__}",
    )
    # Datasette adds an in-memory database when given no file; the archive is the only one.
    ds.remove_database("_memory")
    # Mutable (read through mode=ro connections) sees a crawl's commits as they land; on
    # read-only media that cannot open a WAL archive, and immutable is the way to read it.
    mutable = not immutable_needed(db_path)
    ds.add_database(Database(ds, path=str(Path(db_path).resolve()), is_mutable=mutable), name=DB_NAME)
    return ds


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: any free port), or ServeError saying why not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _quiet_client_errors() -> None:
    # Datasette prints every exception with all its locals when `rich` is importable (it is,
    # through other tools in the environment): a mistyped URL would fill the server's log with
    # pages of locals. Without rich it prints plain tracebacks for server errors (500) only.
    import datasette.handle_exception as handler  # noqa: PLC0415

    if getattr(handler, "rich", None) is not None:
        handler.rich = None


def is_loopback(host: str) -> bool:
    """Whether listening on `host` keeps the archive on this machine."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_names(host: str, extra: Sequence[str] = ()) -> list[str]:
    """The names a request may use in its Host header (addresses are always accepted)."""
    names = ["localhost", socket.gethostname(), socket.getfqdn(), *extra]
    if not is_loopback(host):
        names.append(host)
    return [name for name in names if name]


NETWORK_WARNING = (
    "tnu-archive: warning: listening on {host}, not on loopback: anyone who can reach this "
    "machine can read the whole database, raw pages included, and run SQL on it"
)


def serve(
    db_path: Path, images_dir: Path, host: str = "127.0.0.1", port: int = 8001, allow_hosts: Sequence[str] = ()
) -> None:
    """Serve the archive until interrupted. Prints the URL it listens on to stderr.

    Requests are answered only for this machine's names, IP addresses and `allow_hosts`
    (archive.browse.guard); anything served from the images folder is sandboxed.
    """
    prepare_archive(db_path)
    if not is_loopback(host):
        print(NETWORK_WARNING.format(host=host), file=sys.stderr, flush=True)
    if not Path(images_dir).is_dir():
        # Not fatal: the text, metadata and charts are still worth browsing.
        print(
            f"tnu-archive: warning: no images folder at {images_dir}; pictures will not display",
            file=sys.stderr,
            flush=True,
        )
    sock = bind(host, port)
    ds = make_app(db_path, images_dir)
    _quiet_client_errors()
    # Datasette's own CLI runs the startup hooks on a loop of their own before uvicorn starts.
    asyncio.run(ds.invoke_startup())
    import uvicorn  # noqa: PLC0415

    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    # The socket already listens: a client that reads this line can connect at once.
    print(f"tnu-archive: serving {db_path} on http://{shown}:{bound_port}/", file=sys.stderr, flush=True)

    app = guard(ds.app(), host_names(host, allow_hosts), f"/{IMAGES_MOUNT}")
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])
