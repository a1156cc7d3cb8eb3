"""Session lifetime and the second factor, enforced for every request of a signed-in user."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from napsite.accounts import second_factor, sessions


def has_session_cookie(request: HttpRequest) -> bool:
    """Whether the request can belong to a signed-in user at all (no cookie: anonymous)."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES


class SessionLifetimeMiddleware:
    """Sign out a session that was idle too long or has reached its maximum age."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Only signed-in sessions. Without a session cookie the session is not even opened:
        # opening it would add "Vary: Cookie" and keep the public's pages out of shared caches.
        if has_session_cookie(request) and SESSION_KEY in request.session:
            if sessions.has_expired(request.session):
                logout(request)
                messages.info(request, "Uw sessie is verlopen. Log opnieuw in.")
            else:
                sessions.touch(request.session)
        return self.get_response(request)


class SecondFactorMiddleware:
    """The admin refuses every page to a password session without a verified second factor.

    Such a session is sent to the second-factor page (enrolment on first sign-in); outside the
    admin it counts as not signed in at all, so no page shows it anything meant for staff.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            has_session_cookie(request)
            and request.user.is_authenticated
            and not second_factor.is_satisfied(request)
        ):
            path = request.path_info
            if path.startswith((reverse("accounts:second-factor"), reverse("admin:logout"))):
                pass
            elif path.startswith(reverse("admin:index")):
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{reverse('accounts:second-factor')}?{query}")
            else:
                request.user = AnonymousUser()
        return self.get_response(request)
