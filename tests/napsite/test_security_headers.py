"""Every response carries the security headers; the admin's CSP allowances are exact."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.utils import get_app_template_dirs
from django.test import RequestFactory
from django.urls import reverse

from napsite.security import client_ip_address
from tests.factories import make_activity


def directives(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in parts}


@pytest.fixture
def activity(action_line, status, ocw):
    return make_activity(action_line=action_line, status=status, actors=(ocw,))


def test_a_public_page_carries_a_strict_csp_and_the_other_security_headers(client, action_line):
    response = client.get(reverse("actionlines:overview"))

    assert response.status_code == 200
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_hsts_is_sent_over_https_only(client, action_line):
    over_http = client.get(reverse("actionlines:overview"))
    over_https = client.get(reverse("actionlines:overview"), secure=True)

    assert "Strict-Transport-Security" not in over_http.headers
    assert (
        over_https.headers["Strict-Transport-Security"]
        == "max-age=31536000; includeSubDomains; preload"
    )


def test_behind_a_proxy_the_forwarded_scheme_counts_as_https(client, settings, action_line):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    plain = client.get(reverse("actionlines:overview"))
    forwarded = client.get(reverse("actionlines:overview"), HTTP_X_FORWARDED_PROTO="https")

    assert plain.status_code == 301
    assert plain.headers["Location"] == "https://testserver/"
    assert forwarded.status_code == 200
    assert "Strict-Transport-Security" in forwarded.headers


def test_session_and_csrf_cookies_are_secure_and_http_only(client, admin_user):
    response = client.post(
        reverse("admin:login"), {"username": admin_user.username, "password": "password"}
    )

    assert response.status_code == 302
    for name in ("sessionid", "csrftoken"):
        assert response.cookies[name]["secure"] is True
        assert response.cookies[name]["httponly"] is True


@pytest.mark.parametrize(
    "url_name",
    ["admin:index", "admin:measures_activity_changelist", "admin:measures_activity_add"],
)
def test_admin_pages_render_under_the_csp_with_only_the_admin_allowances(
    admin_client, activity, url_name
):
    response = admin_client.get(reverse(url_name))

    assert response.status_code == 200
    policy = directives(response)
    allowed = settings.NAP_ADMIN_CSP_UPDATE
    assert policy["script-src"] == ["'self'", *allowed["script-src"]]
    assert policy["style-src"] == ["'self'", *allowed["style-src"]]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]


def test_the_admin_change_form_and_login_render_under_the_csp(client, admin_client, activity):
    change = admin_client.get(reverse("admin:measures_activity_change", args=[activity.pk]))
    login = client.get(reverse("admin:login"))

    assert change.status_code == 200
    assert activity.title in change.text
    assert login.status_code == 200
    assert "Content-Security-Policy" in change.headers
    assert "Content-Security-Policy" in login.headers


# Inline code the CSP would block: <script> without src, <style> blocks, style="" and on*=""
# attributes. Template tags inside them would make a hash impossible.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S)
INLINE_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.S)
STYLE_ATTRIBUTE = re.compile(r'\sstyle="([^"]*)"')
HANDLER_ATTRIBUTE = re.compile(r'\son[a-z]+="([^"]*)"')


def inline_code(template_dirs) -> dict[str, list[tuple[str, str]]]:
    found = {"script-src": [], "style-src": []}
    for directory in template_dirs:
        for path in Path(directory).rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            where = str(path.relative_to(directory))
            found["script-src"] += [(where, s) for s in INLINE_SCRIPT.findall(text) if s.strip()]
            found["script-src"] += [(where, s) for s in HANDLER_ATTRIBUTE.findall(text)]
            found["style-src"] += [(where, s) for s in INLINE_STYLE.findall(text)]
            found["style-src"] += [(where, s) for s in STYLE_ATTRIBUTE.findall(text)]
    return found


def test_every_inline_snippet_in_third_party_templates_is_allowed_by_hash():
    """Fails when a Django or library upgrade adds inline code the admin CSP would block."""
    from napsite.settings import _csp_hash

    for directive, snippets in inline_code(get_app_template_dirs("templates")).items():
        allowed = settings.NAP_ADMIN_CSP_UPDATE[directive]
        missing = [(where, s) for where, s in snippets if _csp_hash(s) not in allowed]
        assert not missing, f"{directive} does not allow: {missing}"


# Templates that never reach a browser under our CSP: the PDF's HTML is read by WeasyPrint
# only, and HTML e-mail needs inline styles (mail clients drop <link> and most <style>).
NOT_SERVED_AS_PAGES = ("reporting/report_pdf.html", "reporting/rounds/mail/")


def test_our_own_templates_have_no_inline_script_or_style():
    """Public pages get no allowances at all: scripts and styles come from static files."""
    found = {
        directive: [
            (where, s) for where, s in snippets if not where.startswith(NOT_SERVED_AS_PAGES)
        ]
        for directive, snippets in inline_code(settings.TEMPLATES[0]["DIRS"]).items()
    }

    assert found == {"script-src": [], "style-src": []}


@pytest.mark.parametrize(
    ("proxies", "meta", "expected"),
    [
        (0, {"REMOTE_ADDR": "203.0.113.5", "HTTP_X_FORWARDED_FOR": "198.51.100.1"}, "203.0.113.5"),
        (1, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}, "203.0.113.5"),
        (
            1,
            {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.1, 203.0.113.5"},
            "203.0.113.5",
        ),
        (
            2,
            {
                "REMOTE_ADDR": "10.0.0.3",
                "HTTP_X_FORWARDED_FOR": "198.51.100.1, 203.0.113.5, 10.0.0.2",
            },
            "203.0.113.5",
        ),
        (2, {"REMOTE_ADDR": "10.0.0.3", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}, "10.0.0.3"),
    ],
    ids=["no-proxy-ignores-header", "one-proxy", "forged-entry-ignored", "two-proxies", "short"],
)
def test_the_client_address_is_read_from_the_trusted_proxies_only(
    settings, proxies, meta, expected
):
    settings.PROXY_COUNT = proxies
    request = RequestFactory().get("/", **meta)

    assert client_ip_address(request) == expected
