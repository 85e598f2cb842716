"""Which IP addresses a crawl may connect to (pure: no sockets; only Scrapy's exception type).

A hostile page can point an `<img>` (or a link, or a redirect) at a cloud metadata service
(169.254.169.254), a router on the crawler's LAN or a service on its own loopback: whatever
answers would be archived and published. Every address outside the public internet is
refused, unless the start URL itself lives in that same block (a replica on 127.0.0.1 is
crawled, and then only 127.0.0.0/8 is opened, not 10/8 or 169.254/16), or the operator opens
a block with the ALLOWED_PRIVATE_NETWORKS setting.

`is_global` alone is not enough (Python 3.11 calls multicast, 6to4 and NAT64 addresses global,
though they reach private hosts): the IANA special-purpose blocks are listed here, and
`is_global` only catches what the list misses.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from scrapy.exceptions import IgnoreRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# IANA special-purpose registries (RFC 6890 and later), most specific first: the first block that
# holds an address names it. IPv4-mapped, NAT64 and 6to4 IPv6 addresses are judged by the IPv4
# address they carry (embedded_ipv4), before this list.
SPECIAL_BLOCKS: tuple[tuple[IPNetwork, str], ...] = tuple(
    (ipaddress.ip_network(net), name)
    for net, name in (
        ("0.0.0.0/8", "unspecified"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "shared"),  # carrier-grade NAT
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),  # cloud metadata services live here
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "reserved"),
        ("192.0.2.0/24", "documentation"),
        ("192.88.99.0/24", "reserved"),
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),  # 255.255.255.255 (broadcast) included
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("::/8", "reserved"),  # IPv4-compatible and other long-gone forms
        ("64:ff9b:1::/48", "private"),  # local-use NAT64
        ("100::/64", "reserved"),  # discard-only
        ("2001:db8::/32", "documentation"),
        ("2001::/23", "reserved"),  # IETF protocol assignments (Teredo among them)
        ("3fff::/20", "documentation"),
        ("5f00::/16", "reserved"),  # SRv6 SIDs
        ("fc00::/7", "private"),  # unique local
        ("fe80::/10", "link-local"),
        ("fec0::/10", "private"),  # site-local, deprecated
        ("ff00::/8", "multicast"),
    )
)

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class BlockedAddress(IgnoreRequest):
    """A request was refused before any connection: its host is (or resolves to) an address the
    crawl may not reach. Recorded with the error kind `blocked_address`.

    An IgnoreRequest, as Scrapy's own refusals (robots.txt, offsite) are: not retried, and the
    robots.txt middleware takes it quietly (the request it guards is refused in turn)."""


def parse_address(text: str) -> IPAddress | None:
    """The address `text` spells (IPv6 zone and brackets allowed), or None when it is a name."""
    try:
        return ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address reaches in the end (mapped, NAT64, 6to4), if any."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def special_block(ip: IPAddress) -> tuple[IPNetwork, str] | None:
    """The special-purpose block `ip` belongs to and its name; None for a public address."""
    target = embedded_ipv4(ip) or ip
    for network, name in SPECIAL_BLOCKS:
        if target in network:
            return network, name
    if not target.is_global or target.is_multicast or target.is_reserved:
        return ipaddress.ip_network(target), "non-global"  # what Python knows and the list misses
    return None


def parse_networks(values: Iterable[str], setting: str = "ALLOWED_PRIVATE_NETWORKS") -> tuple[IPNetwork, ...]:
    """`10.0.0.0/8`-style networks (a bare address is its own /32 or /128); one clear error line."""
    networks = []
    for value in values:
        text = str(value).strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ValueError(f"{setting}: {text!r} is not an IP network (write it as 10.0.0.0/8)") from None
    return tuple(networks)


@dataclass(frozen=True)
class AddressPolicy:
    """The special-purpose blocks a crawl may reach anyway (`allowed`); every other one is refused.
    The empty policy refuses every special block: the safe default before a crawl sets its own."""

    allowed: tuple[IPNetwork, ...] = ()

    def refusal(self, address: str) -> str | None:
        """None when the crawl may connect to `address` (an IP address as text); else why not."""
        ip = parse_address(address)
        if ip is None:
            return f"{address!r} is not an IP address"
        found = special_block(ip)
        if found is None:
            return None
        target = embedded_ipv4(ip) or ip
        if any(target in network for network in self.allowed):
            return None
        network, name = found
        return f"{address} is a {name} address ({network}), not allowed for this crawl"


def policy_for(start_addresses: Iterable[str], allowed: Iterable[str] = ()) -> AddressPolicy:
    """The policy of a crawl whose start hosts resolve to `start_addresses`: each one's own block
    is opened (127.0.0.0/8 for a replica on 127.0.0.1, nothing for a public site), and the
    networks named in ALLOWED_PRIVATE_NETWORKS (`allowed`)."""
    opened: list[IPNetwork] = list(parse_networks(allowed))
    for address in start_addresses:
        ip = parse_address(address)
        found = special_block(ip) if ip is not None else None
        if found is not None and found[0] not in opened:
            opened.append(found[0])
    return AddressPolicy(tuple(opened))
