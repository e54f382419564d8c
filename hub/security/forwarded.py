"""Who is really calling, behind a load balancer.

Rate limits key anonymous callers by address. Behind a proxy every request comes from the
proxy, so one busy shop would throttle the whole site, unless the hub reads the address the
proxy saw (``X-Forwarded-For``). That header is written by whoever sends the request, so it
is believed only as far as it was written by proxies the operator named
(``HUB_TRUSTED_PROXIES``): reading it from the right, each hop added by a trusted proxy is
skipped, and the first address a trusted proxy received the request from is the client. A
client cannot forge its way past that: whatever it puts in the header stays to the left.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

Network = IPv4Network | IPv6Network
Address = IPv4Address | IPv6Address


class BadProxyList(ValueError):
    pass


def parse_networks(items: Iterable[str]) -> tuple[Network, ...]:
    """``10.0.0.0/8``, ``192.168.1.7``, ``::1`` …; a bad entry is an error, not ignored (a
    typo here would quietly trust nobody, or the wrong host)."""
    networks = []
    for raw in items:
        item = raw.strip()
        if not item:
            continue
        try:
            networks.append(ip_network(item, strict=False))
        except ValueError:
            raise BadProxyList(f"not an address or network: {item!r}") from None
    return tuple(networks)


def _address(text: str) -> Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ip_address(text)
    except ValueError:
        return None


def _trusted(address: Address | None, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in networks)


def client_ip(peer: str | None, forwarded_for: list[str], trusted: tuple[Network, ...]) -> str:
    """The caller's address: the peer's, unless the peer is a trusted proxy; then the
    nearest address in ``X-Forwarded-For`` (every header line, in order) that is not."""
    address = _address(peer) if peer else None
    if not _trusted(address, trusted):
        return peer or "unknown"
    hops = [hop for line in forwarded_for for hop in line.split(",") if hop.strip()]
    nearest: Address | None = address
    for hop in reversed(hops):
        hop_address = _address(hop)
        if hop_address is None:
            break  # unreadable: nothing to its left can be believed
        if not _trusted(hop_address, trusted):
            return str(hop_address)
        nearest = hop_address
    # Every readable hop a trusted proxy: the request came from inside.
    return str(nearest)
