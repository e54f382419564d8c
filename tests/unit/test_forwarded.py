"""The client's address behind trusted proxies: what rate limits key anonymous callers by."""

from __future__ import annotations

import pytest

from hub.security.forwarded import BadProxyList, client_ip, parse_networks

PROXIES = parse_networks(["10.0.0.0/8", "::1"])


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says() -> None:
    assert client_ip("203.0.113.9", ["198.51.100.1"], ()) == "203.0.113.9"


def test_an_untrusted_peer_cannot_claim_another_address() -> None:
    assert client_ip("203.0.113.9", ["198.51.100.1"], PROXIES) == "203.0.113.9"


def test_behind_the_load_balancer_the_client_is_the_address_it_saw() -> None:
    assert client_ip("10.0.0.5", ["198.51.100.1"], PROXIES) == "198.51.100.1"


def test_a_forged_left_part_is_ignored() -> None:
    # The client wrote "1.1.1.1"; the load balancer appended who really called.
    assert client_ip("10.0.0.5", ["1.1.1.1, 198.51.100.1"], PROXIES) == "198.51.100.1"


def test_chained_proxies_are_skipped_from_the_right_across_header_lines() -> None:
    header = ["1.1.1.1, 198.51.100.1", "10.1.2.3"]
    assert client_ip("10.0.0.5", header, PROXIES) == "198.51.100.1"


def test_an_unreadable_hop_stops_the_walk_at_the_last_proxy() -> None:
    assert client_ip("10.0.0.5", ["198.51.100.1, nonsense, 10.9.9.9"], PROXIES) == "10.9.9.9"


def test_ports_and_bracketed_ipv6_are_read() -> None:
    assert client_ip("::1", ["[2001:db8::7]:4711"], PROXIES) == "2001:db8::7"
    assert client_ip("10.0.0.5", ["198.51.100.1:5000"], PROXIES) == "198.51.100.1"


def test_a_trusted_peer_without_the_header_is_itself() -> None:
    assert client_ip("10.0.0.5", [], PROXIES) == "10.0.0.5"


def test_a_bad_entry_in_the_trusted_list_is_an_error() -> None:
    with pytest.raises(BadProxyList, match=r"10\.0\.0\.300"):
        parse_networks(["10.0.0.0/8", "10.0.0.300"])
