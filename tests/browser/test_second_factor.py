"""Enrolling the authenticator app in a real browser, and axe on every page of it."""

from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts import current_code

PASSWORD = "een-lang-testwachtwoord"


def test_first_password_sign_in_enrols_the_app(live_server, page, assert_accessible):
    get_user_model().objects.create_superuser("beheerder", "b@example.invalid", PASSWORD)
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "beheerder")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")

    assert page.locator("h1").inner_text() == "Tweede stap instellen"
    assert page.locator(".qr-code svg").count() == 1
    assert_accessible(page)
    page.fill("#id_code", "000000")
    page.click("input[type=submit]")
    assert "Deze code klopt niet" in page.locator("#code-fout").inner_text()
    assert_accessible(page)

    device = TOTPDevice.objects.get()
    device.throttle_reset()  # the app's next code, without waiting out the pause
    page.fill("#id_code", current_code(device))
    page.click("input[type=submit]")
    assert page.locator("h1").inner_text() == "Uw herstelcodes"
    assert page.locator("#herstelcodes li").count() == 10
    assert_accessible(page)
    page.click("text=Verder naar het beheer")
    assert page.url == live_server.url + "/admin/"
