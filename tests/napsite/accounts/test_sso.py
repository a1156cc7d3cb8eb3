"""Single sign-on: settings, failures, the group map (the whole flow: tests/browser/test_sso.py)."""

import logging

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from measures.models import ActorMembership
from measures.roles import COORDINATOR, MINISTRY_STAFF
from napsite.accounts.oidc import Grant, apply_group_map, parse_group_map
from tests.measures.editors import editor_role
from tests.napsite.processes import free_port, run_python

LOGIN = reverse("admin:login")
START = reverse("accounts:oidc-start")
CALLBACK = reverse("accounts:oidc-callback")


@pytest.fixture
def sso(settings):
    settings.NAP_OIDC_ENABLED = True
    settings.NAP_OIDC_DISCOVERY_URL = f"http://127.0.0.1:{free_port()}/.well-known/x"
    settings.OIDC_RP_CLIENT_ID = "nap"
    settings.OIDC_RP_CLIENT_SECRET = "geheim-clientwachtwoord"
    return settings


def test_the_compact_and_the_json_group_map_say_the_same():
    compact = parse_group_map(
        f"nap-ocw={MINISTRY_STAFF}:OCW, nap-ocw={MINISTRY_STAFF}:SZW,nap-coord={COORDINATOR}"
    )
    as_json = parse_group_map(
        '{"nap-ocw": ["Ministeriemedewerker:OCW", "Ministeriemedewerker:SZW"],'
        ' "nap-coord": "Coördinator"}'
    )

    assert (
        compact
        == as_json
        == {
            "nap-ocw": [Grant(MINISTRY_STAFF, "OCW"), Grant(MINISTRY_STAFF, "SZW")],
            "nap-coord": [Grant(COORDINATOR)],
        }
    )
    assert parse_group_map("") == {}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("nap-ocw=Beheerder", "unknown role 'Beheerder'"),
        ("nap-ocw", "needs the form group=Role"),
        ("{nap-ocw", "not valid JSON"),
        ('{"nap-ocw": 3}', "cannot read"),
    ],
)
def test_a_malformed_group_map_is_refused(raw, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        parse_group_map(raw)


def test_a_malformed_group_map_stops_the_site_at_start_up():
    result = run_python(
        "manage.py", "check", DJANGO_SECRET_KEY="x", NAP_OIDC_GROUP_MAP="nap=Beheerder"
    )

    assert result.returncode != 0
    assert "NAP_OIDC_GROUP_MAP: unknown role 'Beheerder'" in result.stderr


def test_without_configuration_there_is_no_single_sign_on(client, db):
    assert client.get(START).status_code == 404
    assert client.get(CALLBACK, {"code": "x", "state": "y"}).status_code == 404
    assert 'id="sso-login"' not in client.get(LOGIN).text


def test_the_login_page_offers_single_sign_on_when_configured(client, db, sso):
    page = client.get(LOGIN + "?next=/admin/measures/activity/")

    assert 'id="sso-login"' in page.text
    assert f"{START}?next=/admin/measures/activity/" in page.text


def test_an_unreachable_provider_gives_a_dutch_message_and_a_log_line_without_secrets(
    client, db, sso, caplog
):
    with caplog.at_level(logging.INFO):
        response = client.get(START, follow=True)

    assert response.redirect_chain[-1][0] == "/admin/login/?sso=mislukt"
    assert "Inloggen via uw organisatie is niet gelukt" in response.text
    assert "Single sign-on unavailable: ConnectionError" in caplog.text
    assert "geheim-clientwachtwoord" not in caplog.text


def test_a_refusal_by_the_provider_is_logged_by_its_code_only(client, db, sso, caplog):
    with caplog.at_level(logging.INFO):
        denied = client.get(CALLBACK, {"error": "access_denied", "state": "s"})
        odd = client.get(CALLBACK, {"error": "fatima@ministerie.example", "state": "s"})

    assert denied.url == odd.url == "/admin/login/?sso=mislukt"
    assert "the provider answered access_denied" in caplog.text
    assert "fatima" not in caplog.text


def test_the_group_map_grants_and_withdraws_only_what_it_names(db, ocw, szw, settings):
    settings.NAP_OIDC_GROUP_MAP = f"nap-ocw={MINISTRY_STAFF}:OCW,nap-coord={COORDINATOR}"
    user = get_user_model().objects.create_user("fatima")
    ActorMembership.objects.create(user=user, actor=szw)  # given by a coordinator
    editor_role(MINISTRY_STAFF)

    apply_group_map(user, {"groups": ["nap-ocw", "nap-coord", "personeel"]})
    granted = (
        set(user.groups.values_list("name", flat=True)),
        set(user.actor_memberships.values_list("actor__code", flat=True)),
    )
    apply_group_map(user, {"groups": ["personeel"]})

    assert granted == ({MINISTRY_STAFF, COORDINATOR}, {"OCW", "SZW"})
    assert not user.groups.exists()
    assert list(user.actor_memberships.values_list("actor__code", flat=True)) == ["SZW"]


def test_failed_callbacks_never_lock_single_sign_on_for_a_whole_network(client, db, sso, caplog):
    from axes.models import AccessAttempt

    responses = []
    for attempt in range(sso.AXES_FAILURE_LIMIT + 1):
        session = client.session
        session["oidc_states"] = {f"s{attempt}": {"nonce": "n", "code_verifier": "v"}}
        session.save()
        responses.append(client.get(CALLBACK, {"code": "c", "state": f"s{attempt}"}))

    assert [r.status_code for r in responses] == [302] * len(responses)
    assert {r.url for r in responses} == {"/admin/login/?sso=mislukt"}
    assert not AccessAttempt.objects.exists()
    assert "Single sign-on failed: ConnectionError" in caplog.text
