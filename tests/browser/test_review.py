"""A coordinator reviews a proposal in a real browser: the diff reads without colour (text
markers in <del>/<ins>), axe finds no WCAG 2.1 AA issue, and Approve applies it."""

import pytest

from measures import services
from measures.models import Activity
from tests.accounts import sign_in_in_browser
from tests.browser.messages import expect_message
from tests.factories import make_action_line, make_activity, make_actor, make_status
from tests.measures.editors import make_coordinator, make_staff_member, review_url

PASSWORD = "een-lang-testwachtwoord"


@pytest.fixture
def proposal(db):
    line = make_action_line(1)
    running = make_status("loopt", label="Loopt")
    finished = make_status("afgerond", label="Afgerond", is_closed=True)
    ocw = make_actor("OCW")
    activity = make_activity(
        action_line=line,
        status=running,
        actors=(ocw,),
        slug="lesmateriaal",
        title="Lesmateriaal over relaties",
        explanation="Het lesmateriaal is in de maak.",
    )
    return services.propose_changes(
        activity,
        user=make_staff_member(ocw, username="fatima"),
        base_version=activity.version,
        changes={"status": finished, "explanation": "Het lesmateriaal is verschenen."},
    )


@pytest.fixture
def coordinator_page(live_server, page):
    """Karin, signed in with her password and the code of her authenticator app."""
    karin = make_coordinator(username="karin")
    karin.set_password(PASSWORD)
    karin.save()
    return sign_in_in_browser(page, live_server.url, karin, PASSWORD)


def test_a_coordinator_reviews_and_approves_a_proposal(
    coordinator_page, live_server, proposal, assert_accessible
):
    page = coordinator_page
    page.goto(live_server.url + review_url(proposal))

    assert page.get_by_role("heading", level=1).inner_text() == (
        "Voorstel voor ‘Lesmateriaal over relaties’"
    )
    assert_accessible(page)
    diff = page.get_by_role("table", name="Wat het voorstel wijzigt")
    explanation = diff.get_by_role("row").filter(has_text="Toelichting")
    # Removed and added words carry text markers, so the change never rests on colour or
    # strike-through alone (WCAG 1.4.1).
    assert explanation.locator("del").all_inner_texts() == ["[-in de maak.-]"]
    assert explanation.locator("ins").all_inner_texts() == ["{+verschenen.+}"]
    status = diff.get_by_role("row").filter(has_text="Status")
    assert status.locator("del").all_inner_texts() == ["[-Loopt-]"]
    assert status.locator("ins").all_inner_texts() == ["{+Afgerond+}"]

    page.get_by_role("button", name="Goedkeuren").click()

    expect_message(
        page, "Voorstel goedgekeurd: ‘Lesmateriaal over relaties’ is bijgewerkt (nu versie 2)."
    )
    assert_accessible(page)
    proposal.refresh_from_db()
    assert (proposal.state, proposal.reviewed_by.username) == ("goedgekeurd", "karin")
    activity = Activity.objects.select_related("status").get(pk=proposal.activity_id)
    assert (activity.status.label, activity.explanation) == (
        "Afgerond",
        "Het lesmateriaal is verschenen.",
    )
