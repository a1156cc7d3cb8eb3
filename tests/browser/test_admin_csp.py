"""The admin works in a real browser under the site's Content Security Policy."""

import pytest
from django.contrib.auth import get_user_model

from tests.accounts import current_code, totp_device
from tests.factories import make_activity

PASSWORD = "een-lang-en-goed-wachtwoord"


@pytest.fixture
def coordinator(transactional_db):
    return get_user_model().objects.create_superuser(
        "coordinator", "coordinator@example.invalid", PASSWORD
    )


def test_an_editor_logs_in_and_edits_without_csp_violations(
    live_server, page, coordinator, action_line, status, ocw
):
    activity = make_activity(action_line=action_line, status=status, actors=(ocw,))
    app = totp_device(coordinator)
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    page.goto(live_server.url + "/admin/")
    page.fill("#id_username", "coordinator")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.fill("#id_code", current_code(app))  # the second factor, under the same policy
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")
    page.goto(f"{live_server.url}/admin/measures/activity/{activity.pk}/change/")
    # The admin's own scripts run: the inline "add another" link for actors appears.
    add_row = page.locator("#actor_links-group .add-row a")
    add_row.click()
    page.goto(f"{live_server.url}/admin/measures/activity/{activity.pk}/history/")
    page.goto(f"{live_server.url}/admin/measures/activity/")

    assert page.locator("#result_list").count() == 1
    assert violations == []
