"""What `serve` adds around Datasette, as one ASGI layer: its own host names only, and the
archived image files served as untrusted bytes.

DNS rebinding: a hostile web page can make a victim's browser resolve the attacker's host name
to 127.0.0.1 and then read the archive from the attacker's origin. The browser still sends the
attacker's name in `Host`, so a request naming a host this server was not given is refused.
An IP address in `Host` is always accepted: it takes no DNS, so it cannot be rebound.

Images: the images folder holds whatever the site served under an image URL, SVG included,
and an SVG is a document that can carry script. Every answer under /images/ is sandboxed
(`Content-Security-Policy: sandbox; default-src 'none'`: no script, no plugin, no origin of its
own, nothing loaded) and never content-sniffed into something else.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

IMAGE_HEADERS = (
    (b"content-security-policy", b"sandbox; default-src 'none'"),
    (b"x-content-type-options", b"nosniff"),
)
# What a refused host gets: 421 says "this server is not the one for that name".
MISDIRECTED = 421

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def host_name(header: str) -> str:
    """The name (or address) of a Host header: lower case, without port or IPv6 brackets."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    if header.count(":") == 1:
        header = header.split(":", 1)[0]
    return header.rstrip(".")


def host_allowed(header: str | None, names: Iterable[str]) -> bool:
    """Whether a request with this Host header is meant for this server."""
    if header is None:
        return True  # HTTP/1.0 without Host: no name was resolved, so none was rebound
    name = host_name(header)
    if not name:
        return False
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        pass
    return name == "localhost" or name.endswith(".localhost") or name in {n.lower().rstrip(".") for n in names}


def guard(app: App, allowed_hosts: Iterable[str], images_prefix: str) -> App:
    """`app` behind the host check, with the image headers on everything under `images_prefix`."""
    names = frozenset(n.lower().rstrip(".") for n in allowed_hosts)
    prefix = images_prefix.rstrip("/") + "/"

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await app(scope, receive, send)
            return
        host = _header(scope, b"host")
        if not host_allowed(host, names):
            await _refuse(scope, send, host or "")
            return
        if scope["type"] == "http" and scope.get("path", "").startswith(prefix):
            await app(scope, receive, _with_image_headers(send))
            return
        await app(scope, receive, send)

    return guarded


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _with_image_headers(send: Send) -> Send:
    async def sending(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in dict(IMAGE_HEADERS)]
            message = {**message, "headers": kept + list(IMAGE_HEADERS)}
        await send(message)

    return sending


async def _refuse(scope: Scope, send: Send, host: str) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    body = (
        f"This archive is not served under the name {host!r}; "
        "use the address `tnu-archive serve` printed, or pass --allow-host.\n"
    ).encode("utf-8", "replace")
    await send(
        {
            "type": "http.response.start",
            "status": MISDIRECTED,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
