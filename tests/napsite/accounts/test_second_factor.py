"""Password sign-ins need a second factor (TOTP or a recovery code) before any admin page."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts import current_code, sign_in_with_password, totp_device
from tests.factories import make_activity

PASSWORD = "een-lang-en-goed-wachtwoord"
VERIFY_URL = reverse("accounts:second-factor")
ENROL_URL = reverse("accounts:second-factor-enrol")


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("beheerder", "b@example.invalid", PASSWORD)


@pytest.fixture
def enrolled(superuser):
    return totp_device(superuser)


def post_code(client, code, url=VERIFY_URL, next_url="/admin/"):
    return client.post(url, {"code": code, "next": next_url})


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:index"),
        reverse("admin:measures_activity_changelist"),
        reverse("admin:auth_user_changelist"),
        reverse("admin:accounts_signin_changelist"),
        reverse("admin:password_change"),
        "/admin/r/1/1/",
    ],
)
def test_a_password_session_without_second_factor_reaches_no_admin_page(client, superuser, url):
    signed_in = sign_in_with_password(client, "beheerder", PASSWORD)
    assert signed_in.status_code == 302

    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(VERIFY_URL)
    # Followed through: the enrolment page, never the admin page asked for.
    page = client.get(url, follow=True)
    assert page.redirect_chain[-1][0].startswith(ENROL_URL)
    assert "Tweede stap instellen" in page.text


def test_outside_the_admin_such_a_session_counts_as_not_signed_in(client, superuser, rf):
    sign_in_with_password(client, "beheerder", PASSWORD)

    response = client.get(reverse("actionlines:overview"))

    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated


def test_first_sign_in_enrols_an_app_and_shows_recovery_codes_once(client, superuser, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a wrong then a right code, without waiting
    sign_in_with_password(client, "beheerder", PASSWORD)
    enrol_page = client.get(reverse("admin:measures_activity_changelist"), follow=True)
    secret = re.search(r'id="totp-sleutel">([A-Z2-7=]+)<', enrol_page.text)[1]
    assert "<svg" in enrol_page.text  # the QR code
    device = TOTPDevice.objects.get(user=superuser)
    assert not device.confirmed

    wrong = post_code(client, "000000", url=ENROL_URL)
    assert "Deze code klopt niet" in wrong.text
    assert client.get(reverse("admin:index")).status_code == 302

    done = post_code(client, current_code(device), url=ENROL_URL)
    codes = re.findall(r"<li><code>(\w+)</code></li>", done.text)
    assert len(codes) == 10
    assert secret and "U ziet deze codes alleen nu" in done.text
    assert client.get(reverse("admin:index")).status_code == 200
    # Enrolled: the next sign-in asks for a code, not for a new app.
    client.post(reverse("admin:logout"))
    sign_in_with_password(client, "beheerder", PASSWORD)
    assert client.get("/admin/", follow=True).redirect_chain[-1][0].startswith(VERIFY_URL)


def test_the_right_code_opens_the_admin(client, enrolled):
    sign_in_with_password(client, "beheerder", PASSWORD)

    response = post_code(client, current_code(enrolled), next_url="/admin/auth/user/")

    assert response.status_code == 302
    assert response.url == "/admin/auth/user/"
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200


def test_a_wrong_code_is_refused(client, enrolled):
    sign_in_with_password(client, "beheerder", PASSWORD)

    response = post_code(client, current_code(enrolled, offset=10))

    assert response.status_code == 200
    assert "Deze code klopt niet of is al gebruikt" in response.text
    assert client.get(reverse("admin:index")).url.startswith(VERIFY_URL)


def test_a_code_used_once_is_refused_the_second_time(client, enrolled):
    code = current_code(enrolled)
    sign_in_with_password(client, "beheerder", PASSWORD)
    assert post_code(client, code).status_code == 302
    client.post(reverse("admin:logout"))

    sign_in_with_password(client, "beheerder", PASSWORD)
    again = post_code(client, code)

    assert "Deze code klopt niet of is al gebruikt" in again.text
    assert client.get(reverse("admin:index")).url.startswith(VERIFY_URL)


def test_a_recovery_code_works_once(client, superuser, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    sign_in_with_password(client, "beheerder", PASSWORD)
    device = TOTPDevice.objects.create(user=superuser, name="app", confirmed=False)
    done = post_code(client, current_code(device), url=ENROL_URL)
    recovery = re.findall(r"<li><code>(\w+)</code></li>", done.text)[0]
    client.post(reverse("admin:logout"))

    sign_in_with_password(client, "beheerder", PASSWORD)
    assert post_code(client, f" {recovery} ").status_code == 302
    client.post(reverse("admin:logout"))
    sign_in_with_password(client, "beheerder", PASSWORD)
    again = post_code(client, recovery)

    assert "Deze code klopt niet" in again.text
    assert StaticToken.objects.filter(token=recovery).count() == 0


def test_the_next_address_stays_on_this_site(client, enrolled):
    sign_in_with_password(client, "beheerder", PASSWORD)

    response = post_code(client, current_code(enrolled), next_url="https://example.com/")

    assert response.url == reverse("admin:index")


@pytest.mark.parametrize(("debug", "admitted"), [(True, True), (False, False)])
def test_demo_accounts_skip_the_second_factor_only_in_debug_mode(
    client, settings, debug, admitted, action_line, status
):
    make_activity(action_line=action_line, status=status)
    get_user_model().objects.create_user("coordinator", password=PASSWORD, is_staff=True)
    settings.DEBUG = debug

    sign_in_with_password(client, "coordinator", PASSWORD)
    response = client.get(reverse("admin:index"))

    assert (response.status_code == 200) is admitted
