"""Under /admin/: the second-factor pages and the single sign-on round trip."""

from django.urls import path

from napsite.accounts import oidc, views

app_name = "accounts"

urlpatterns = [
    path("tweede-factor/", views.verify, name="second-factor"),
    path("tweede-factor/instellen/", views.enrol, name="second-factor-enrol"),
    path("sso/start/", oidc.SsoStartView.as_view(), name="oidc-start"),
    # The address to register at the identity provider as the redirect URI.
    path("sso/callback/", oidc.SsoCallbackView.as_view(), name="oidc-callback"),
]
