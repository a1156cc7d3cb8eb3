"""Signing in as staff do: password, then the second factor. Plain functions, like factories."""

from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_device(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test-app", confirmed=True)


def current_code(device: TOTPDevice, offset: int = 0) -> str:
    """The code the user's app shows now (offset: that many 30-second steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time += offset * device.step
    return f"{totp.token():0{device.digits}d}"


def verify_second_factor(client, user) -> None:
    """Mark the client's session as having passed the second factor with the user's app."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
    session.save()


def sign_in_with_password(client, username: str, password: str, next_url: str = "/admin/"):
    return client.post(
        reverse("admin:login"), {"username": username, "password": password, "next": next_url}
    )


def sign_in_in_browser(page, base_url: str, user, password: str, *, start: str = "/admin/login/"):
    """Sign in through the real forms as a person does: password, then the authenticator app's
    code. The user's app is enrolled first if it was not."""
    app = totp_device(user)
    page.goto(base_url + start)
    page.fill("#id_username", user.get_username())
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.fill("#id_code", current_code(app))
    page.click("input[type=submit]")
    page.wait_for_url(base_url + "/admin/")
    return page
