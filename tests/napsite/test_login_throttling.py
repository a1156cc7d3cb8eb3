"""Guessing admin passwords: after N failures that username is locked out from that address."""

import logging
from datetime import timedelta

import pytest
from axes.exceptions import AxesBackendRequestParameterRequired
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.urls import reverse

PASSWORD = "een-lang-en-goed-wachtwoord"


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_user(
        "redacteur", "redacteur@example.invalid", PASSWORD, is_staff=True
    )


@pytest.fixture
def colleague(db):
    return get_user_model().objects.create_user(
        "collega", "collega@example.invalid", PASSWORD, is_staff=True
    )


def log_in(client, username, password, address="192.0.2.10"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
    )


def fail_until_locked_out(client, settings, username="redacteur"):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = log_in(client, username, "geraden")
        assert response.status_code == 200  # the login form again, with its error
    return log_in(client, username, "geraden")


def test_a_correct_password_logs_in(client, editor):
    response = log_in(client, "redacteur", PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"] == reverse("admin:index")


def test_repeated_failures_lock_the_username_out_with_a_dutch_page(client, settings, editor):
    assert settings.AXES_FAILURE_LIMIT == 5  # the production default

    locked = fail_until_locked_out(client, settings)
    even_with_the_right_password = log_in(client, "redacteur", PASSWORD)

    for response in (locked, even_with_the_right_password):
        assert response.status_code == 429
        assert "Tijdelijk geblokkeerd" in response.text
        assert "5 keer" in response.text
        assert "15 minuten geblokkeerd" in response.text
        assert "Content-Security-Policy" in response.headers
    assert "_auth_user_id" not in client.session


def test_a_lockout_does_not_stop_colleagues_or_the_same_user_elsewhere(
    client, settings, editor, colleague
):
    fail_until_locked_out(client, settings)

    colleague_on_the_same_network = log_in(client, "collega", PASSWORD)
    client.logout()
    editor_from_home = log_in(client, "redacteur", PASSWORD, address="198.51.100.20")

    assert colleague_on_the_same_network.status_code == 302
    assert editor_from_home.status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, settings, editor):
    fail_until_locked_out(client, settings)
    assert log_in(client, "redacteur", PASSWORD).status_code == 429

    long_ago = AccessAttempt.objects.get().attempt_time - settings.AXES_COOLOFF_TIME
    AccessAttempt.objects.update(attempt_time=long_ago - timedelta(minutes=1))

    assert log_in(client, "redacteur", PASSWORD).status_code == 302


def test_the_test_clients_own_logins_still_work(client, admin_client, editor):
    client.force_login(editor)

    assert client.get(reverse("admin:index")).status_code == 200
    assert admin_client.get(reverse("admin:index")).status_code == 200


def test_a_login_without_a_request_is_refused_so_no_login_path_escapes_throttling(client, editor):
    """django-axes needs the request; tests use force_login or pass request=HttpRequest()."""
    with pytest.raises(AxesBackendRequestParameterRequired):
        client.login(username="redacteur", password=PASSWORD)

    assert client.login(request=HttpRequest(), username="redacteur", password=PASSWORD)


def test_login_failures_leave_no_username_password_or_address_in_the_logs(
    client, settings, editor, caplog
):
    with caplog.at_level(logging.DEBUG):
        fail_until_locked_out(client, settings)
        log_in(client, "redacteur", PASSWORD)

    assert "AXES" in caplog.text  # the failures are logged...
    for secret in ("redacteur", "geraden", PASSWORD, "192.0.2.10"):
        assert secret not in caplog.text  # ...without saying who, from where, or with what
