"""The client's address, the same for rate limits, OTP, the captcha threshold and audit.

Behind a reverse proxy every request reaches the app server from the proxy's address
(gunicorn sets REMOTE_ADDR to the socket peer). The proxy appends the address it saw to
X-Forwarded-For, so the client is found by walking that header from the right, past the
proxies listed in settings.TRUSTED_PROXIES. Anything left of the first untrusted
address was written by the client and is never believed. With no trusted proxies (the
default) the header is not read at all.
"""

import functools
import ipaddress
import logging

from django.conf import settings

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# One phone on a mobile network is given a whole IPv6 /64: a per-IP limit that counted
# single IPv6 addresses would let it rotate through 2**64 of them.
IPV6_LIMIT_PREFIX = 64

_malformed_logged = False


def parse_proxy_networks(values: list[str] | tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """Addresses or CIDR ranges ("10.0.0.0/8", "::1"); ValueError names a bad entry."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{value!r} is not an IP address or CIDR range") from None
    return tuple(networks)


@functools.lru_cache(maxsize=8)
def _trusted(values: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return parse_proxy_networks(values)


def parse_ip(value: str) -> IPAddress | None:
    """An address from a header or REMOTE_ADDR, or None when it is not one.

    Takes "[2001:db8::1]:443" and "203.0.113.5:5120" forms as well, drops an IPv6 zone,
    and turns an IPv4-mapped IPv6 address (::ffff:203.0.113.5) into the IPv4 one.
    """
    text = value.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    text = text.split("%", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def _log_malformed(peer: str, header: str) -> None:
    # Once per process: a client can send a broken header with every request, and the
    # log must not become its megaphone.
    global _malformed_logged
    if not _malformed_logged:
        _malformed_logged = True
        logger.warning(
            "Malformed X-Forwarded-For %r from trusted proxy %s: using the proxy's address "
            "(logged once per process).",
            header[:200],
            peer,
        )


def client_address(remote_addr: str | None, forwarded_for: str | None) -> str | None:
    """The client's address from the socket peer and the X-Forwarded-For header.

    1. An untrusted (or absent) peer is the client: its header is ignored.
    2. From a trusted peer, walk the header right to left; the first address that is not
       a trusted proxy is the client.
    3. If every address is a trusted proxy, the left-most one is the client (an office
       behind the proxy's own network).
    4. A malformed entry met on the way falls back to the peer.
    """
    peer = parse_ip(remote_addr or "")
    if peer is None:
        return None
    networks = _trusted(tuple(settings.TRUSTED_PROXIES))
    if not networks or not _is_trusted(peer, networks) or not forwarded_for:
        return str(peer)
    client = peer
    for entry in reversed(forwarded_for.split(",")):
        address = parse_ip(entry)
        if address is None:
            _log_malformed(str(peer), forwarded_for)
            return str(peer)
        client = address
        if not _is_trusted(address, networks):
            break
    return str(client)


def client_ip(request) -> str | None:
    """The client's address for `request` (None without a request); computed once."""
    if request is None:
        return None
    cached = getattr(request, "_khaibao_client_ip", False)
    if cached is not False:
        return cached
    address = client_address(
        request.META.get("REMOTE_ADDR"), request.META.get("HTTP_X_FORWARDED_FOR")
    )
    request._khaibao_client_ip = address
    return address


def limit_key(ip: str | None) -> str:
    """What a per-IP limit counts: the IPv4 address, or the IPv6 address's /64."""
    address = parse_ip(ip or "")
    if address is None:
        return "unknown"
    if address.version == 6:
        network = ipaddress.ip_network(f"{address}/{IPV6_LIMIT_PREFIX}", strict=False)
        return str(network)
    return str(address)
