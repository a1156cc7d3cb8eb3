"""Single sign-on in Chromium, through a real OpenID Connect provider this test starts.

The provider is a second Django process (django-oauth-toolkit, tests/oidc_provider/) on
127.0.0.1 with its own SQLite database and signing key: the full redirect flow with state,
nonce and PKCE, the token exchange, the signed ID token and the userinfo call all happen.
"""

import os
import secrets
import subprocess
import sys
import time

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from measures.models import ActorMembership
from measures.roles import COORDINATOR, MINISTRY_STAFF
from napsite.accounts.models import AccessChange, SignIn
from tests.factories import make_actor
from tests.measures.editors import editor_role
from tests.napsite.processes import CONFIGURATION_PREFIXES, PROJECT_DIR, free_port

CLIENT_ID = "nap-voortgangsmonitor"
CLIENT_SECRET = secrets.token_urlsafe(24)
PASSWORD = "wachtwoord-bij-de-idp"


@pytest.fixture
def provider(live_server, tmp_path):
    """Start the provider; yields its discovery URL."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(CONFIGURATION_PREFIXES)}
    env = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings",
        "OIDC_PROVIDER_DB": str(tmp_path / "provider.sqlite3"),
        "OIDC_PROVIDER_KEY": pem,
    }
    subprocess.run(  # noqa: S603 - our interpreter, arguments written here
        [
            sys.executable,
            "-m",
            "tests.oidc_provider.seed",
            f"{live_server.url}/admin/sso/callback/",
            CLIENT_ID,
            CLIENT_SECRET,
            f"fatima:{PASSWORD}:nap-ocw,personeel",
            f"bram:{PASSWORD}:personeel",
        ],
        cwd=PROJECT_DIR,
        env=env,
        check=True,
        timeout=120,
    )
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    discovery = f"http://127.0.0.1:{port}/o/.well-known/openid-configuration"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(discovery, timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "the identity provider did not start"
            assert server.poll() is None, "the identity provider stopped"
            time.sleep(0.2)
        yield discovery
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def sso(provider, settings):
    settings.NAP_OIDC_ENABLED = True
    settings.NAP_OIDC_DISCOVERY_URL = provider
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.NAP_OIDC_GROUP_MAP = f"nap-ocw={MINISTRY_STAFF}:OCW,nap-coord={COORDINATOR}"
    editor_role(MINISTRY_STAFF)
    return make_actor("OCW")


def sign_in_at_the_provider(page, live_server, username):
    page.goto(live_server.url + "/admin/login/")
    page.click("#sso-login")
    page.wait_for_url("http://127.0.0.1:*/login/**")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")


def test_a_mapped_group_signs_in_as_ministry_staff_for_ocw(
    sso, live_server, page, django_user_model, assert_accessible
):
    ocw = sso
    page.goto(live_server.url + "/admin/login/")
    assert page.locator("#sso-login").inner_text() == "Inloggen met uw organisatie-account"
    assert_accessible(page)

    sign_in_at_the_provider(page, live_server, "fatima")

    user = django_user_model.objects.get(username="fatima")
    assert [group.name for group in user.groups.all()] == [MINISTRY_STAFF]
    assert [m.actor for m in ActorMembership.objects.filter(user=user)] == [ocw]
    assert not user.has_usable_password()
    assert SignIn.objects.get(user=user).method == "sso"
    assert AccessChange.objects.filter(user=user, via="single sign-on").count() == 2
    # No second factor asked here: the identity provider did that. She sees her activities.
    assert "FATIMA" in page.locator("#user-tools").inner_text().upper()
    page.goto(live_server.url + "/admin/measures/activity/")
    assert page.locator("h1").inner_text() == "Selecteer activiteit om te wijzigen"


def test_an_unmapped_user_lands_without_any_rights(sso, live_server, page, django_user_model):
    sign_in_at_the_provider(page, live_server, "bram")

    user = django_user_model.objects.get(username="bram")
    assert not user.groups.exists()
    assert not ActorMembership.objects.filter(user=user).exists()
    assert not user.get_all_permissions()
    assert "geen rechten" in page.locator("#content-main").inner_text()
    response = page.goto(live_server.url + "/admin/measures/activity/")
    assert response.status == 403
