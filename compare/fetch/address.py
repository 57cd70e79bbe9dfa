"""The address policy: which hosts a run may connect to, and connecting only where it checked.

A feed entry, a redirect, a robots.txt or a sitemap can name any host. Before a request leaves,
its host is resolved **once per run** (:class:`AddressBook`) and every address it resolves to is
checked: loopback, private (RFC 1918, ULA), shared (CGNAT, 100.64/10), link-local (the cloud
metadata service at 169.254.169.254), multicast, unspecified and reserved (broadcast included) addresses
are refused, and so are IPv4-mapped, 6to4, NAT64 and Teredo spellings of them, ``localhost``
and its sub-domains, and the decimal, hex and octal spellings of IPv4 (``2130706433``,
``0x7f.1``, ``0177.0.0.1``), read as browsers read them (WHATWG URL, "IPv4 parser").

The connection then goes to the address that was checked, never to a second lookup: the
transport's network backend (:class:`PinningBackend`) takes the host httpcore asks for, looks it
up in the same book, and connects to the checked address. The ``Host`` header and the TLS server
name stay the host name, because httpcore builds both from the request URL, not from the socket.

An outlet whose pages really live on a private network (the demo web on 127.0.0.x, an
intranet) says so with ``allow_private_addresses: true``; that allows loopback, private and
shared addresses, never link-local, multicast, unspecified or reserved ones.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence

import httpcore

__all__ = [
    "AddressBook",
    "AddressRefused",
    "PinningBackend",
    "Resolver",
    "Unresolvable",
    "address_problem",
    "numeric_host",
    "system_resolver",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""``(host, port) -> addresses``: the system's getaddrinfo by default; tests pass a stub."""

_SHARED = ipaddress.ip_network("100.64.0.0/10")
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_LOOPBACK_NAMES = re.compile(r"(^|\.)localhost\.?$", re.IGNORECASE)
# Kinds an outlet may allow with allow_private_addresses; every other kind is always refused.
_ALLOWABLE = frozenset({"loopback", "private", "shared"})


class AddressRefused(Exception):
    """The host is, or resolves to, an address the run may not connect to."""


class Unresolvable(Exception):
    """The host name did not resolve (a DNS error)."""


def _ipv4_number(part: str) -> int | None:
    if part[:2].lower() == "0x":
        digits, base = part[2:], 16
    elif len(part) > 1 and part.startswith("0"):
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    if digits == "":
        return 0
    try:
        return int(digits, base)
    except ValueError:
        return None


def numeric_host(host: str) -> IPAddress | None:
    """The address a host spells, if it is a literal: ``[::1]``, ``127.1``, ``0x7f000001`` …

    IPv4 is read as the WHATWG URL standard (and so every browser, and glibc's ``inet_aton``)
    reads it: one to four parts, each decimal, octal (leading ``0``) or hex (``0x``), the last
    part filling the remaining bytes. Raises :class:`AddressRefused` for a host that ends in a
    number but is no address (``1.2.3.999``), which a resolver might otherwise look up.
    """
    name = host.strip().rstrip(".")
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if ":" in name:
        try:
            return ipaddress.IPv6Address(name.split("%", 1)[0])
        except ValueError as exc:
            raise AddressRefused(f"{host!r} is not a valid IPv6 address") from exc
    parts = name.split(".")
    if not parts or not re.fullmatch(r"(0[xX][0-9a-fA-F]*|\d+)", parts[-1]):
        return None  # a name, not a number
    numbers = [_ipv4_number(p) for p in parts]
    if len(parts) > 4 or any(n is None for n in numbers):
        raise AddressRefused(f"{host!r} is neither a host name nor an IPv4 address")
    values = [n for n in numbers if n is not None]
    if any(n > 255 for n in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        raise AddressRefused(f"{host!r} is neither a host name nor an IPv4 address")
    total = values[-1]
    for i, value in enumerate(values[:-1]):
        total += value << (8 * (3 - i))
    return ipaddress.IPv4Address(total)


def _kind(ip: IPAddress) -> str | None:
    """What makes ``ip`` non-public (``loopback``, ``private``, ``link-local`` …); None if public."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or (ip.sixtofour if ip.sixtofour is not None else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            inner = _kind(embedded)
            return inner if inner is not None else None
        if ip.teredo is not None or ip in _NAT64_LOCAL:
            return "tunnelled"
        if ip.is_site_local:
            return "private"
    if ip.is_unspecified or (isinstance(ip, ipaddress.IPv4Address) and ip in _THIS_NETWORK):
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED:
        return "shared"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private:
        # RFC 1918 and ULA; also documentation and benchmarking ranges, which are no more public
        return "private"
    if not ip.is_global:
        return "reserved"
    return None


def address_problem(ip: IPAddress | str, *, allow_private: bool = False) -> str | None:
    """Why the run may not connect to ``ip`` (e.g. "127.0.0.1 is a loopback address"), or None."""
    address = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
    kind = _kind(address)
    if kind is None or (allow_private and kind in _ALLOWABLE):
        return None
    article = "an" if kind[0] in "aeiou" else "a"
    return f"{address} is {article} {kind} address"


async def system_resolver(host: str, port: int) -> Sequence[str]:
    """The addresses ``host`` resolves to, by the system's resolver, in its order of preference."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                       proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise Unresolvable(f"{host}: {exc}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class AddressBook:
    """Every host of a run resolved once, checked, and remembered for the connection.

    :meth:`check` is called before each request (by the fetcher, for feeds, pages, every
    redirect hop and robots.txt); :meth:`pinned` is what :class:`PinningBackend` connects to.
    A host resolved once is not resolved again during the run, so a DNS answer that changes
    between the check and the connection (DNS rebinding) changes nothing.
    """

    def __init__(self, resolver: Resolver | None = None) -> None:
        self._resolver = resolver or system_resolver
        self._resolved: dict[str, tuple[IPAddress, ...] | Exception] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._checked: dict[str, tuple[str, ...]] = {}
        self.lookups = 0

    async def _addresses(self, host: str, port: int) -> tuple[IPAddress, ...]:
        key = host.lower().rstrip(".")
        cached = self._resolved.get(key)
        if cached is None:
            async with self._locks.setdefault(key, asyncio.Lock()):
                cached = self._resolved.get(key)
                if cached is None:
                    cached = await self._lookup(key, port)
                    self._resolved[key] = cached
        if isinstance(cached, Exception):
            raise cached
        return cached

    async def _lookup(self, host: str, port: int) -> tuple[IPAddress, ...] | Exception:
        literal = numeric_host(host)
        if literal is not None:
            return (literal,)
        self.lookups += 1
        try:
            answers = await self._resolver(host, port)
        except Unresolvable as exc:
            return exc
        except OSError as exc:
            return Unresolvable(f"{host}: {exc}")
        found: list[IPAddress] = []
        for answer in answers:
            try:
                found.append(ipaddress.ip_address(answer.split("%", 1)[0]))
            except ValueError:
                return AddressRefused(f"{host} resolved to {answer!r}, which is not an address")
        if not found:
            return Unresolvable(f"{host}: no address")
        return tuple(found)

    async def check(self, host: str, port: int, *, allow_private: bool = False) -> tuple[str, ...]:
        """The checked addresses of ``host``; raises :class:`AddressRefused` or :class:`Unresolvable`.

        Every address the host resolves to must be allowed: a name that answers with one
        public and one private address is refused, since the connection could go to either.
        """
        name = host.strip("[]").lower().rstrip(".")
        if not allow_private and _LOOPBACK_NAMES.search(name):
            raise AddressRefused(f"{host} is a loopback name")
        addresses = await self._addresses(name, port)
        for address in addresses:
            problem = address_problem(address, allow_private=allow_private)
            if problem is not None:
                shown = "" if str(address) == name else f"{host} resolves to "
                raise AddressRefused(f"{shown}{problem}")
        checked = tuple(str(a) for a in addresses)
        self._checked[name] = checked
        return checked

    def pinned(self, host: str) -> tuple[str, ...] | None:
        """The addresses :meth:`check` allowed for ``host`` in this run; None if never checked."""
        return self._checked.get(host.strip("[]").lower().rstrip("."))


class PinningBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to addresses the :class:`AddressBook` checked.

    httpcore hands it the URL's host; it connects to the checked address of that host instead
    of resolving the name again. TLS still names the host (httpcore passes the URL's host as the
    server name to ``start_tls``), so certificates are verified against the name, as usual.
    """

    def __init__(self, book: AddressBook, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.book = book
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = self.book.pinned(host)
        if not addresses:
            raise AddressRefused(f"{host} was not checked before connecting")
        error: Exception | None = None
        for address in addresses:  # in the resolver's order, as getaddrinfo callers do
            try:
                return await self.inner.connect_tcp(address, port, timeout=timeout,
                                                    local_address=local_address,
                                                    socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise AddressRefused("unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)
