"""Log-in, log-out, lock-out and deactivation."""

import logging

from django.test import Client
from django.urls import reverse


def _login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_logging_in_rotates_the_session(reviewer, password):
    client = Client()
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    assert _login(client, "bob", password).status_code == 302
    assert client.session.session_key != before


def test_logging_out_ends_the_session(reviewer, password, review):
    client = Client()
    _login(client, "bob", password)
    client.post(reverse("logout"))
    assert client.get(reverse("report:overview", args=[review.slug])).status_code == 302


def test_a_deactivated_account_is_logged_out_at_once(reviewer, password, review):
    client = Client()
    _login(client, "bob", password)
    reviewer.is_active = False
    reviewer.save()
    assert client.get(reverse("report:overview", args=[review.slug])).status_code == 302


def test_repeated_failures_lock_the_account_even_with_the_right_password(
    reviewer, password, settings, caplog
):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    with caplog.at_level(logging.WARNING, logger="tandem.security"):
        for _ in range(3):
            _login(client, "bob", "wrong password")
    assert "login failed for 'bob'" in caplog.text
    response = _login(client, "bob", password)
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()


def test_failures_from_one_address_lock_that_address_for_other_accounts(
    reviewer, second_reviewer, password, settings
):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client(REMOTE_ADDR="203.0.113.9")
    for number in range(3):
        _login(client, f"guess{number}", "wrong")
    assert _login(client, "carol", password).status_code == 429
    assert _login(Client(REMOTE_ADDR="203.0.113.10"), "carol", password).status_code == 302


def test_denied_access_is_logged(review, outsider, client_for, caplog):
    with caplog.at_level(logging.WARNING, logger="tandem.security"):
        client_for(outsider).get(reverse("report:overview", args=[review.slug]))
    assert "access denied" in caplog.text and "dave" in caplog.text


def test_weak_passwords_are_refused():
    import pytest
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("password1")


def test_behind_a_proxy_failures_count_against_the_client_not_the_proxy(
    reviewer, second_reviewer, password, settings
):
    """Every request reaches the app from the proxy (127.0.0.1); a flood of failures from many clients must
    not lock every user out, and addresses the client writes into X-Forwarded-For count for nothing."""
    settings.PROXY_COUNT = 1
    settings.AXES_FAILURE_LIMIT = 3
    for number in range(5):
        attacker = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"198.51.100.{number}")
        _login(attacker, f"guess{number}", "wrong")
    carol = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.50")
    assert _login(carol, "carol", password).status_code == 302
    # One client, forging a different first address each time, is still one client to the limits.
    for number in range(3):
        forged = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.9.9.{number}, 198.51.100.77")
        _login(forged, f"someone{number}", "wrong")
    locked = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.1.1, 198.51.100.77")
    assert _login(locked, "bob", password).status_code == 429


def test_the_client_address_is_read_at_the_configured_proxy_depth(settings, rf):
    from reviews.security import client_ip

    settings.PROXY_COUNT = 2
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7, 10.0.0.1")
    assert client_ip(request) == "203.0.113.7"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="10.0.0.1")) == "10.0.0.2"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="junk, 10.0.0.1")) == "10.0.0.2"
    settings.PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"
