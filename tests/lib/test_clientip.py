"""The client's address behind reverse proxies: one helper for limits, OTP and audit."""

import logging

import pytest
from django.test import RequestFactory, override_settings

from khaibao.lib import clientip
from khaibao.lib.clientip import client_address, client_ip, limit_key

pytestmark = pytest.mark.smoke

NGINX = "127.0.0.1"
CLIENT = "203.0.113.7"


@pytest.fixture(autouse=True)
def _log_malformed_again(monkeypatch):
    # The malformed-header warning is once per process; each test starts afresh.
    monkeypatch.setattr(clientip, "_malformed_logged", False)


@override_settings(TRUSTED_PROXIES=[])
def test_without_trusted_proxies_the_header_is_never_read():
    assert client_address(NGINX, CLIENT) == NGINX


@override_settings(TRUSTED_PROXIES=[NGINX])
def test_an_untrusted_peer_with_a_forged_header_is_the_client():
    assert client_address("198.51.100.9", "10.0.0.1, 1.2.3.4") == "198.51.100.9"


@override_settings(TRUSTED_PROXIES=[NGINX])
def test_behind_one_trusted_proxy_the_client_is_the_address_it_appended():
    assert client_address(NGINX, CLIENT) == CLIENT


@override_settings(TRUSTED_PROXIES=[NGINX])
def test_a_forged_left_part_sent_through_the_proxy_is_ignored():
    # The client sent "X-Forwarded-For: 8.8.8.8"; nginx appended the real peer.
    assert client_address(NGINX, f"8.8.8.8, {CLIENT}") == CLIENT


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8", NGINX])
def test_a_chain_of_two_trusted_proxies_is_walked_from_the_right():
    # client → load balancer 10.1.0.5 → nginx on the app host → gunicorn
    assert client_address(NGINX, f"6.6.6.6, {CLIENT}, 10.1.0.5") == CLIENT


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_a_client_inside_the_trusted_range_is_the_left_most_address():
    # An office PC on the proxies' own network: every hop is trusted.
    assert client_address("10.0.0.2", "10.20.30.40") == "10.20.30.40"


@override_settings(TRUSTED_PROXIES=[NGINX])
@pytest.mark.parametrize(
    "header", ["not-an-ip", f"{CLIENT}, 999.1.1.1", "203.0.113.7;rm -rf", f"{CLIENT},,"]
)
def test_a_malformed_header_falls_back_to_the_peer_and_is_logged_once(header, caplog):
    with caplog.at_level(logging.WARNING, logger="khaibao.lib.clientip"):
        first = client_address(NGINX, header)
        second = client_address(NGINX, header)

    assert (first, second) == (NGINX, NGINX)
    warnings = [r for r in caplog.records if "Malformed X-Forwarded-For" in r.getMessage()]
    assert len(warnings) == 1


@override_settings(TRUSTED_PROXIES=[NGINX])
def test_a_malformed_entry_left_of_the_client_is_never_reached():
    assert client_address(NGINX, f"garbage, {CLIENT}") == CLIENT


@override_settings(TRUSTED_PROXIES=["::1", "fd00::/8"])
def test_ipv6_clients_and_proxies():
    assert client_address("::1", "2001:db8:1:2::abcd") == "2001:db8:1:2::abcd"
    assert client_address("::1", "2001:db8::1, fd00::5") == "2001:db8::1"
    assert client_address("[::1]:443", "[2001:db8::1]:5120") == "2001:db8::1"
    # IPv6 peers are not confused with IPv4 proxies and vice versa.
    assert client_address("2001:db8::9", CLIENT) == "2001:db8::9"


@override_settings(TRUSTED_PROXIES=[NGINX])
def test_an_ipv4_mapped_peer_counts_as_the_ipv4_proxy():
    assert client_address("::ffff:127.0.0.1", CLIENT) == CLIENT


def test_per_ip_limits_count_an_ipv6_client_by_its_64():
    one_phone = [limit_key("2001:db8:1:2::1"), limit_key("2001:db8:1:2:ffff:ffff:ffff:ffff")]
    assert one_phone == ["2001:db8:1:2::/64", "2001:db8:1:2::/64"]
    assert limit_key("2001:db8:1:3::1") != one_phone[0]
    assert limit_key(CLIENT) == CLIENT
    assert limit_key(None) == "unknown"


@override_settings(TRUSTED_PROXIES=[NGINX])
def test_the_request_helper_reads_remote_addr_and_the_header():
    request = RequestFactory().get("/", REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR=CLIENT)
    assert client_ip(request) == CLIENT
    assert client_ip(None) is None
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="")) is None
