"""Staff sessions end: when idle, at their maximum age, at sign-out, and when the user's
password or rights change (their other sessions)."""

import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from measures.models import ActorMembership
from measures.roles import COORDINATOR
from napsite.accounts.models import AccessChange, SignIn
from napsite.accounts.sessions import SEEN_AT, SIGNED_IN_AT
from tests.measures.editors import editor_role, make_coordinator, make_staff_member

ADMIN = reverse("admin:index")


@pytest.fixture
def editor(ocw):
    return make_staff_member(ocw, username="fatima")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def shift(client, **seconds_ago):
    """Move the session's sign-in and last-activity times back (as if time had passed)."""
    session = client.session
    for key, ago in seconds_ago.items():
        session[{"signed_in": SIGNED_IN_AT, "seen": SEEN_AT}[key]] = int(time.time()) - ago
    session.save()


def is_signed_in(client) -> bool:
    return client.get(ADMIN).status_code == 200


def test_a_session_idle_for_longer_than_the_limit_ends(editor):
    client = signed_in(editor)
    key = client.session.session_key
    shift(client, seen=31 * 60)

    response = client.get(ADMIN)

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert not Session.objects.filter(session_key=key).exists()
    login_page = client.get(response.url)
    assert "Uw sessie is verlopen" in login_page.text


def test_activity_within_the_idle_limit_keeps_the_session_and_restarts_the_clock(editor):
    client = signed_in(editor)
    shift(client, seen=29 * 60)

    assert is_signed_in(client)
    assert time.time() - client.session[SEEN_AT] < 5
    shift(client, seen=29 * 60)
    assert is_signed_in(client)


def test_a_session_ends_at_its_maximum_age_even_when_active(editor):
    client = signed_in(editor)
    shift(client, signed_in=10 * 3600 + 60, seen=10)

    assert not is_signed_in(client)


def test_the_limits_are_configurable(editor, settings):
    settings.NAP_SESSION_IDLE_MINUTES = 5
    settings.NAP_SESSION_MAX_HOURS = 1
    idle, old = signed_in(editor), signed_in(editor)
    shift(idle, seen=6 * 60)
    shift(old, signed_in=3600 + 60)

    assert not is_signed_in(idle)
    assert not is_signed_in(old)
    assert settings.SESSION_COOKIE_AGE == 10 * 3600  # from NAP_SESSION_MAX_HOURS at start-up


def test_signing_out_ends_the_session_on_the_server(editor):
    client = signed_in(editor)
    key = client.session.session_key

    client.post(reverse("admin:logout"))

    assert not Session.objects.filter(session_key=key).exists()


def test_changing_the_password_ends_the_other_sessions_only(editor):
    editor.set_password("oud-en-lang-wachtwoord")
    editor.save()
    here, elsewhere = signed_in(editor), signed_in(editor)
    elsewhere_key = elsewhere.session.session_key

    response = here.post(
        reverse("admin:password_change"),
        {
            "old_password": "oud-en-lang-wachtwoord",
            "new_password1": "nieuw-en-lang-wachtwoord",
            "new_password2": "nieuw-en-lang-wachtwoord",
        },
    )

    assert response.status_code == 302
    # Ended on the server at once, not merely refused when that browser next comes back.
    assert not Session.objects.filter(session_key=elsewhere_key).exists()
    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)


def test_a_role_change_ends_the_users_sessions(editor):
    first, second = signed_in(editor), signed_in(editor)

    editor.groups.add(editor_role(COORDINATOR))

    assert not is_signed_in(first)
    assert not is_signed_in(second)
    change = AccessChange.objects.get(user=editor, kind="role_granted", subject=COORDINATOR)
    assert (change.changed_by, change.via) == (None, "zonder aanmelding")


def test_a_coordinator_changing_actors_is_recorded_with_who_and_when(editor, szw):
    editor_session = signed_in(editor)
    coordinator = make_coordinator(username="carla")
    admin = signed_in(coordinator)

    response = admin.post(
        reverse("admin:measures_actormembership_add"), {"user": editor.pk, "actor": szw.pk}
    )

    assert response.status_code == 302
    assert ActorMembership.objects.filter(user=editor, actor=szw).exists()
    change = AccessChange.objects.get(user=editor, kind="actor_added", subject="SZW")
    assert (change.changed_by, change.via) == (coordinator, "beheer")
    assert change.changed_at is not None
    assert not is_signed_in(editor_session)
    assert is_signed_in(admin)
    # And the coordinator reads it in the admin, next to who signed in how.
    history = admin.get(reverse("admin:accounts_accesschange_changelist"))
    assert "actor toegevoegd" in history.text and "carla" in history.text
    sign_ins = admin.get(reverse("admin:accounts_signin_changelist"))
    assert sign_ins.status_code == 200
    assert SignIn.objects.filter(user=editor, method="password").exists()
    assert "wachtwoord" in sign_ins.text


def test_removing_a_user_records_nothing_and_fails_nothing(editor):
    editor.delete()

    assert not get_user_model().objects.filter(username="fatima").exists()
    assert not AccessChange.objects.filter(user_id=editor.pk).exists()
