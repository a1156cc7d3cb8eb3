"""The second factor for password sign-ins: enrol an authenticator app, then enter its code
(or a recovery code) after every password sign-in."""

from base64 import b32encode

import segno
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from napsite.accounts import second_factor
from napsite.accounts.forms import CodeForm

RECOVERY_CODES = 10
WRONG_CODE = (
    "Deze code klopt niet of is al gebruikt. Neem de volgende code uit uw app, of een "
    "herstelcode. Na meerdere foute codes moet u steeds iets langer wachten."
)


def _next_url(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("admin:index")


@never_cache
@login_required(login_url="admin:login")
def verify(request: HttpRequest) -> HttpResponse:
    """After a password sign-in: the code from the app, or a recovery code."""
    if second_factor.is_satisfied(request):
        return HttpResponseRedirect(_next_url(request))
    if not TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return HttpResponseRedirect(
            f"{reverse('accounts:second-factor-enrol')}?{request.GET.urlencode()}"
        )
    form = CodeForm(request.POST or None)
    if form.is_valid():
        if device := match_token(request.user, form.cleaned_data["code"]):
            otp_login(request, device)
            return HttpResponseRedirect(_next_url(request))
        form.add_error("code", WRONG_CODE)
    context = {
        **admin.site.each_context(request),
        "title": "Tweede stap: code uit uw app",
        "form": form,
        "next": _next_url(request),
    }
    return render(request, "accounts/second_factor.html", context)


@never_cache
@login_required(login_url="admin:login")
def enrol(request: HttpRequest) -> HttpResponse:
    """First password sign-in: link an authenticator app, and get recovery codes once."""
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return HttpResponseRedirect(
            f"{reverse('accounts:second-factor')}?{request.GET.urlencode()}"
        )
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=request.user, name="Authenticator-app", confirmed=False
        )
    form = CodeForm(request.POST or None)
    context = {**admin.site.each_context(request), "next": _next_url(request)}
    if form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            codes = _confirm(device)
            otp_login(request, device)
            context |= {"title": "Uw herstelcodes", "codes": codes}
            return render(request, "accounts/recovery_codes.html", context)
        form.add_error("code", WRONG_CODE)
    context |= {
        "title": "Tweede stap instellen",
        "form": form,
        "qr_code": segno.make(device.config_url, error="m").svg_inline(
            scale=4,
            title="QR-code",
            light="#fff",  # readable in the dark admin theme too
        ),
        "secret": b32encode(device.bin_key).decode(),
    }
    return render(request, "accounts/enrol.html", context)


@transaction.atomic
def _confirm(device: TOTPDevice) -> list[str]:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    recovery, _ = StaticDevice.objects.get_or_create(user=device.user, name="Herstelcodes")
    recovery.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    recovery.token_set.bulk_create([StaticToken(device=recovery, token=code) for code in codes])
    return codes
