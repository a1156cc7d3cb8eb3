"""Single sign-on with the ministry's identity provider (OpenID Connect).

mozilla-django-oidc does the protocol: state, nonce and PKCE, the token exchange and the ID
token's signature and expiry. Added here: endpoints from the provider's discovery document, the
issuer and audience checks the library leaves out, users matched on the provider's stable id
("sub", never the e-mail address), new users without any rights, and the mapping from the
provider's groups to our roles and actors.

Failures are logged by exception type only: the library's messages can carry the provider's
response, and nothing personal or secret belongs in the log.
"""

import json
import logging
import re
from dataclasses import dataclass

import jwt
import requests
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from measures.models import Actor, ActorMembership
from measures.roles import COORDINATOR, MINISTRY_STAFF
from napsite.accounts import audit
from napsite.accounts.models import SsoIdentity

logger = logging.getLogger(__name__)

ROLES = (MINISTRY_STAFF, COORDINATOR)

# What the failures we expect from the provider or the network look like.
SSO_ERRORS = (
    requests.RequestException,
    SuspiciousOperation,
    jwt.PyJWTError,
    ImproperlyConfigured,
    ValueError,
    KeyError,
    TypeError,
)


@dataclass(frozen=True)
class Grant:
    role: str
    actor: str | None = None


def parse_group_map(raw: str) -> dict[str, list[Grant]]:
    """NAP_OIDC_GROUP_MAP: "group=Role" or "group=Role:ACTOR", comma-separated; or JSON,
    {"group": "Role:ACTOR"} or {"group": ["Role", "Role:ACTOR"]}."""
    raw = raw.strip()
    pairs: list[tuple[str, object]] = []
    if raw.startswith("{"):
        try:
            data = json.loads(raw)
        except ValueError:
            raise ImproperlyConfigured("NAP_OIDC_GROUP_MAP is not valid JSON.") from None
        for group, value in data.items():
            pairs += [(group, item) for item in (value if isinstance(value, list) else [value])]
    else:
        for entry in filter(str.strip, raw.split(",")):
            group, sep, value = entry.partition("=")
            if not sep:
                raise ImproperlyConfigured(
                    f"NAP_OIDC_GROUP_MAP: {entry.strip()!r} needs the form group=Role[:ACTOR]."
                )
            pairs.append((group, value))
    mapping: dict[str, list[Grant]] = {}
    for group, value in pairs:
        if not isinstance(value, str) or not group.strip():
            raise ImproperlyConfigured(f"NAP_OIDC_GROUP_MAP: cannot read {group!r}: {value!r}.")
        role, _, actor = (part.strip() for part in value.partition(":"))
        if role not in ROLES:
            raise ImproperlyConfigured(
                f"NAP_OIDC_GROUP_MAP: unknown role {role!r} for group {group.strip()!r}; "
                f"use {' or '.join(ROLES)}."
            )
        mapping.setdefault(group.strip(), []).append(Grant(role, actor or None))
    return mapping


def apply_group_map(user, claims: dict) -> None:
    """Give the user the roles and actors their provider groups map to, and take away mapped
    ones they no longer have. Roles and actors the map never mentions are the coordinators'."""
    mapping = parse_group_map(settings.NAP_OIDC_GROUP_MAP)
    if not mapping:
        return
    claimed = claims.get(settings.NAP_OIDC_GROUPS_CLAIM) or []
    if isinstance(claimed, str):
        claimed = [claimed]
    grants = {grant for name in claimed if isinstance(name, str) for grant in mapping.get(name, [])}
    managed = [grant for grants_ in mapping.values() for grant in grants_]

    managed_roles = {grant.role for grant in managed}
    wanted_roles = {grant.role for grant in grants}
    groups = {group.name: group for group in Group.objects.filter(name__in=managed_roles)}
    current_roles = set(user.groups.filter(name__in=managed_roles).values_list("name", flat=True))
    if added := [groups[name] for name in wanted_roles - current_roles if name in groups]:
        user.groups.add(*added)
    if removed := [groups[name] for name in current_roles - wanted_roles]:
        user.groups.remove(*removed)

    managed_actors = {grant.actor for grant in managed if grant.actor}
    wanted_actors = {grant.actor for grant in grants if grant.actor}
    actors = {actor.code: actor for actor in Actor.objects.filter(code__in=managed_actors)}
    if unknown := sorted(wanted_actors - actors.keys()):
        logger.warning("NAP_OIDC_GROUP_MAP names unknown actors: %s", ", ".join(unknown))
    current_actors = set(
        user.actor_memberships.filter(actor__code__in=managed_actors).values_list(
            "actor__code", flat=True
        )
    )
    for code in sorted((wanted_actors & actors.keys()) - current_actors):
        ActorMembership.objects.create(user=user, actor=actors[code])
    if gone := current_actors - wanted_actors:
        for membership in ActorMembership.objects.filter(user=user, actor__code__in=gone):
            membership.delete()


# Settings that may come from the provider's discovery document instead.
DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "NAP_OIDC_ISSUER": "issuer",
}
_discovery_documents: dict[str, dict] = {}


def discovery_document() -> dict:
    """The provider's /.well-known/openid-configuration, fetched once per process."""
    url = settings.NAP_OIDC_DISCOVERY_URL
    if not url:
        return {}
    if url not in _discovery_documents:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        _discovery_documents[url] = response.json()
    return _discovery_documents[url]


def get_setting(attr: str, *default):
    if attr in DISCOVERED and not getattr(settings, attr, ""):
        value = discovery_document().get(DISCOVERED[attr], "")
        if value or attr == "NAP_OIDC_ISSUER":
            return value
        raise ImproperlyConfigured(f"{attr} is not set and not in the discovery document.")
    return import_from_settings(attr, *default)


def require_enabled() -> None:
    if not settings.NAP_OIDC_ENABLED:
        raise Http404("Single sign-on is niet ingesteld.")


class SsoBackend(OIDCAuthenticationBackend):
    """Answers only the callback from the identity provider (the only caller passing a nonce)."""

    get_settings = staticmethod(get_setting)

    def __init__(self, *args, **kwargs):
        # Django builds every backend for every sign-in and session: read the provider's
        # settings (and maybe its discovery document) only when single sign-on is used.
        from django.contrib.auth import get_user_model

        self.UserModel = get_user_model()

    def authenticate(self, request: HttpRequest | None, **kwargs):
        if request is None or "nonce" not in kwargs or not settings.NAP_OIDC_ENABLED:
            return None
        try:
            self.OIDC_OP_TOKEN_ENDPOINT = self.get_settings("OIDC_OP_TOKEN_ENDPOINT")
            self.OIDC_OP_USER_ENDPOINT = self.get_settings("OIDC_OP_USER_ENDPOINT")
            self.OIDC_OP_JWKS_ENDPOINT = self.get_settings("OIDC_OP_JWKS_ENDPOINT")
            self.OIDC_RP_CLIENT_ID = self.get_settings("OIDC_RP_CLIENT_ID")
            self.OIDC_RP_CLIENT_SECRET = self.get_settings("OIDC_RP_CLIENT_SECRET")
            self.OIDC_RP_SIGN_ALGO = self.get_settings("OIDC_RP_SIGN_ALGO", "RS256")
            self.OIDC_RP_IDP_SIGN_KEY = None
            with audit.changes_via(audit.VIA_SSO):
                user = super().authenticate(request, **kwargs)
        except SSO_ERRORS as exc:
            logger.warning("Single sign-on failed: %s", type(exc).__name__)
            return None
        if user is None:
            logger.warning("Single sign-on failed: no user for the provider's answer")
        elif not user.is_active:
            logger.warning("Single sign-on refused: the account is deactivated")
        return user

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The ID token is meant for another client.")
        issuer = self.get_settings("NAP_OIDC_ISSUER")
        if issuer and "iss" in payload and payload["iss"] != issuer:
            raise SuspiciousOperation("The ID token comes from another issuer.")
        return payload

    def verify_claims(self, claims) -> bool:
        return bool(claims.get("sub"))

    def filter_users_by_claims(self, claims):
        return self.UserModel.objects.filter(
            sso_identity__issuer=self.get_settings("NAP_OIDC_ISSUER"),
            sso_identity__subject=claims["sub"],
        )

    def create_user(self, claims):
        """A new account, staff but without any role or actor: the group map or a coordinator
        gives those."""
        user = self.UserModel(username=self._free_username(claims), is_staff=True)
        self._copy_profile(user, claims)
        # Signs in only through the provider: no password can be guessed or reused.
        user.set_unusable_password()
        user.save()
        SsoIdentity.objects.create(
            user=user, issuer=self.get_settings("NAP_OIDC_ISSUER"), subject=claims["sub"]
        )
        apply_group_map(user, claims)
        return user

    def update_user(self, user, claims):
        self._copy_profile(user, claims)
        user.save(update_fields=["first_name", "last_name", "email"])
        apply_group_map(user, claims)
        return user

    def _free_username(self, claims) -> str:
        wanted = str(claims.get("preferred_username") or claims.get("email") or claims["sub"])
        base = wanted[:140]
        candidate, number = base, 1
        while self.UserModel.objects.filter(username=candidate).exists():
            number += 1
            candidate = f"{base}-{number}"
        return candidate

    @staticmethod
    def _copy_profile(user, claims) -> None:
        user.first_name = str(claims.get("given_name", user.first_name))[:150]
        user.last_name = str(claims.get("family_name", user.last_name))[:150]
        user.email = str(claims.get("email", user.email))[:254]


def is_sso_callback(request: HttpRequest | None, credentials: dict | None = None) -> bool:
    """AXES_WHITELIST_CALLABLE: django-axes throttles password guessing only. The provider
    guards its own sign-in, and counting failed callbacks (all without a username) per address
    would let a few broken ones lock a whole ministry network out of single sign-on."""
    return request is not None and request.path_info == reverse("accounts:oidc-callback")


def _failure() -> HttpResponse:
    return HttpResponseRedirect(settings.LOGIN_REDIRECT_URL_FAILURE)


class SsoStartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider, with state, nonce and a PKCE challenge."""

    get_settings = staticmethod(get_setting)

    def __init__(self, **kwargs):
        # The provider's endpoints are read per request (see get), not when Django starts.
        View.__init__(self, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        require_enabled()
        try:
            self.OIDC_OP_AUTH_ENDPOINT = self.get_settings("OIDC_OP_AUTHORIZATION_ENDPOINT")
            self.OIDC_RP_CLIENT_ID = self.get_settings("OIDC_RP_CLIENT_ID")
        except SSO_ERRORS as exc:
            logger.warning("Single sign-on unavailable: %s", type(exc).__name__)
            return _failure()
        return super().get(request)


class SsoCallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back; the backend above does the checking."""

    get_settings = staticmethod(get_setting)

    def get(self, request: HttpRequest) -> HttpResponse:
        require_enabled()
        if error := request.GET.get("error"):
            # An OAuth error code such as access_denied; anything else is not repeated.
            code = error if re.fullmatch(r"[a-z_]{1,40}", error) else "(unreadable)"
            logger.warning("Single sign-on: the provider answered %s", code)
        return super().get(request)
