"""No connection into private networks (crawler/fetching/addresses.py says which addresses are refused).

The check sits where the connection is made, so nothing that builds requests (the spider, the
image pipeline, the redirect and robots.txt middlewares) can go around it:

- `GuardedResolver` (TWISTED_DNS_RESOLVER) is the reactor's name resolver: Twisted's HTTP client
  asks it for the addresses of every host it connects to (names and written addresses alike),
  and connects only to what it hands back. It hands back only allowed addresses, so the address
  checked is the address connected to: no second lookup a DNS server could answer differently
  (rebinding). Cached answers are checked on every use.
- `GuardedDownloadHandler` (DOWNLOAD_HANDLERS, http and https) refuses hosts written as
  addresses before anything starts, and names the refusal: a resolver can only answer "no
  address", which the handler turns back into `blocked_address`. Through a proxy (where the
  proxy resolves the name), or when another resolver was configured, it resolves and checks
  the name itself before the request goes out.

A refused request fails with BlockedAddress, recorded in fetch_log / image_sources with the
error kind `blocked_address`; it is not retried.
"""

from __future__ import annotations

import logging
import socket
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.exceptions import CannotResolveHostError
from scrapy.resolver import CachingHostnameResolver
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import threads
from twisted.internet.interfaces import IHostnameResolver, IResolutionReceiver
from zope.interface import implementer, provider

from crawler.fetching.addresses import AddressPolicy, BlockedAddress, parse_address, policy_for

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.internet.interfaces import IAddress, IHostResolution

logger = logging.getLogger(__name__)

REFUSALS_KEPT = 1000  # names whose last lookup was refused, remembered to name the failure


def refused(why: str) -> BlockedAddress:
    """The exception for a refused host, logged once as it is made: a page pointed us there."""
    logger.warning("blocked_address: %s", why)
    return BlockedAddress(why)


@provider(IResolutionReceiver)
class _AllowedOnly:
    """Passes on the addresses the policy allows; notes the refusal when none is left."""

    def __init__(self, resolver: GuardedResolver, receiver: IResolutionReceiver, name: str):
        self.resolver, self.receiver, self.name = resolver, receiver, name
        self.passed = 0
        self.why: str | None = None

    def resolutionBegan(self, resolution: IHostResolution) -> None:  # noqa: N802 - Twisted's interface
        self.receiver.resolutionBegan(resolution)

    def addressResolved(self, address: IAddress) -> None:  # noqa: N802
        host = getattr(address, "host", "")
        why = None if self.name.lower() in self.resolver.trusted else self.resolver.policy.refusal(host)
        if why is None:
            self.passed += 1
            self.receiver.addressResolved(address)
        elif self.why is None:
            self.why = why

    def resolutionComplete(self) -> None:  # noqa: N802
        self.resolver.note(self.name, None if self.passed else self.why)
        self.receiver.resolutionComplete()


@implementer(IHostnameResolver)
class GuardedResolver(CachingHostnameResolver):
    """Scrapy's caching name resolver (IPv4 and IPv6), answering only with allowed addresses."""

    # Until a crawl sets its own (GuardedDownloadHandler), every special-purpose block is refused.
    policy: AddressPolicy = AddressPolicy()

    def __init__(self, reactor, cache_size: int):
        super().__init__(reactor, cache_size)
        self._refused: OrderedDict[str, str] = OrderedDict()
        # The operator's own proxies (request.meta["proxy"], from http_proxy): connected to
        # wherever they live, a proxy on 127.0.0.1 or in 10/8 included.
        self.trusted: set[str] = set()

    def resolveHostName(
        self,
        resolutionReceiver: IResolutionReceiver,
        hostName: str,  # noqa: N802
        portNumber: int = 0,
        addressTypes=None,
        transportSemantics: str = "TCP",
    ):  # noqa: N803
        return super().resolveHostName(
            _AllowedOnly(self, resolutionReceiver, hostName), hostName, portNumber, addressTypes, transportSemantics
        )

    def note(self, name: str, why: str | None) -> None:
        key = name.lower()
        self._refused.pop(key, None)
        if why is not None:
            logger.warning("blocked_address: %s: %s", name, why)
            self._refused[key] = f"{name}: {why}"
            if len(self._refused) > REFUSALS_KEPT:
                self._refused.popitem(last=False)

    def refusal(self, name: str) -> str | None:
        """Why the last lookup of `name` gave no address, if the policy was the reason."""
        return self._refused.get(name.lower())


def start_addresses(start_urls: Sequence[str]) -> list[str]:
    """Every address the start URLs' hosts resolve to (unresolvable ones are left out: the crawl
    reports those itself)."""
    found: list[str] = []
    for url in start_urls:
        host = urlsplit(url).hostname
        if not host:
            continue
        if parse_address(host) is not None:
            found.append(host)
            continue
        try:
            infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except OSError:
            continue
        found.extend(str(info[4][0]) for info in infos)
    return found


class GuardedDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler, refusing blocked addresses before it connects."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self._policy: AddressPolicy | None = None
        self._resolver: GuardedResolver | None = None  # the reactor's name resolver, if it is ours

    def _crawl_policy(self) -> AddressPolicy:
        """Built at the first request, when the spider and its start URLs are known; handed to
        the resolver, which refuses by the same rule."""
        if self._policy is None:
            from twisted.internet import reactor

            spider = self._crawler.spider
            starts = list(getattr(spider, "start_urls", ()) or ())
            self._policy = policy_for(
                start_addresses(starts), self._crawler.settings.getlist("ALLOWED_PRIVATE_NETWORKS")
            )
            resolver = getattr(reactor, "nameResolver", None)
            if isinstance(resolver, GuardedResolver):
                resolver.policy = self._policy
                self._resolver = resolver
            else:
                logger.warning(
                    "TWISTED_DNS_RESOLVER is not crawler.fetching.netguard.GuardedResolver: host names are "
                    "checked before each request instead of at connection time"
                )
            opened = ", ".join(str(n) for n in self._policy.allowed) or "none"
            logger.info("private networks open to this crawl: %s", opened)
        return self._policy

    async def download_request(self, request: Request) -> Response:
        policy = self._crawl_policy()
        host = urlparse_cached(request).hostname or ""
        if parse_address(host) is not None:
            why = policy.refusal(host)  # refused before anything starts, the kind named
            if why is not None:
                raise refused(why)
        elif request.meta.get("proxy") or self._resolver is None:
            await self._check_name(host, policy)  # the proxy resolves it: checked here, unpinned
        proxy = request.meta.get("proxy")
        if proxy and self._resolver is not None:
            proxy_host = urlsplit(proxy if "://" in proxy else f"http://{proxy}").hostname
            if proxy_host:
                self._resolver.trusted.add(proxy_host.lower())
        try:
            return await super().download_request(request)
        except CannotResolveHostError:
            why = self._resolver.refusal(host) if self._resolver is not None else None
            if why is not None:
                raise BlockedAddress(why) from None  # the name resolved, to refused addresses only
            raise

    @staticmethod
    async def _check_name(host: str, policy: AddressPolicy) -> None:
        """Resolve and check a name that no guarded resolver will see before the connection."""
        try:
            infos = await maybe_deferred_to_future(
                threads.deferToThread(socket.getaddrinfo, host, None, type=socket.SOCK_STREAM)
            )
        except OSError:
            return  # the request fails on its own, as `dns`
        for info in infos:
            why = policy.refusal(str(info[4][0]))
            if why is not None:
                raise refused(f"{host}: {why}")
