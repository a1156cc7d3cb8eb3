"""Who can do what to which activity, by every route into the admin.

Two activities: one of OCW, one of SZW. For ministry staff "own" is the activity of their
ministry and "other" the other one; for everyone else "own" is the OCW activity. Each cell
performs the real request and decides the outcome from what happened in the database, so a
cell can only pass if the route really allows or really refuses. A ministry employee's change
is "done" when it was proposed for review (and the activity itself left alone); anyone else's
when it was applied.
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from measures import services
from measures.models import Activity, Proposal, ProposalState
from reporting.rounds import spreadsheet as update_round
from tests.factories import make_activity, make_status
from tests.measures.editors import (
    CHANGELIST_URL,
    CSV,
    EXPORT_URL,
    change_form_data,
    change_url,
    csv_file,
    import_file,
    make_coordinator,
    make_staff_member,
    review_url,
)

# YES: done (shown, saved, deleted, exported, imported); NO: refused (403) or left out of
# the result; LOGIN: sent to the login page. Nothing may change unless the cell says YES.
YES, NO, LOGIN = "yes", "no", "login"

OPERATIONS = (
    "list", "view", "change", "delete", "action", "autocomplete", "export", "import", "review",
)  # fmt: skip

# fmt: off
MATRIX = {
    #                          list   view   change delete action autoc. export import review
    ("anonymous", "own"):     (LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ("anonymous", "other"):   (LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ("staff_ocw", "own"):     (YES,   YES,   YES,   NO,    YES,   YES,   YES,   YES,   NO),
    ("staff_ocw", "other"):   (NO,    NO,    NO,    NO,    NO,    NO,    NO,    NO,    NO),
    ("staff_szw", "own"):     (YES,   YES,   YES,   NO,    YES,   YES,   YES,   YES,   NO),
    ("staff_szw", "other"):   (NO,    NO,    NO,    NO,    NO,    NO,    NO,    NO,    NO),
    ("coordinator", "own"):   (YES,   YES,   YES,   YES,   YES,   YES,   YES,   YES,   YES),
    ("coordinator", "other"): (YES,   YES,   YES,   YES,   YES,   YES,   YES,   YES,   YES),
    ("superuser", "own"):     (YES,   YES,   YES,   YES,   YES,   YES,   YES,   YES,   YES),
    ("superuser", "other"):   (YES,   YES,   YES,   YES,   YES,   YES,   YES,   YES,   YES),
}
# fmt: on

CELLS = [
    pytest.param(role, target, operation, outcomes[i], id=f"{role}-{operation}-{target}")
    for (role, target), outcomes in MATRIX.items()
    for i, operation in enumerate(OPERATIONS)
]


@pytest.fixture
def world(action_line, status, ocw, szw):
    closed = make_status("afgerond", label="Afgerond", is_closed=True)
    return {
        "closed": closed,
        "ocw_activity": make_activity(
            action_line=action_line,
            status=status,
            actors=(ocw,),
            title="Lesmateriaal over relaties en seksualiteit",
            slug="lesmateriaal",
        ),
        "szw_activity": make_activity(
            action_line=action_line,
            status=status,
            actors=(szw,),
            title="Toezicht door de Arbeidsinspectie",
            slug="toezicht",
        ),
        "users": {
            "anonymous": None,
            "staff_ocw": make_staff_member(ocw),
            "staff_szw": make_staff_member(szw),
            "coordinator": make_coordinator(),
            "superuser": get_user_model().objects.create_superuser("beheer"),
        },
    }


def target_activity(world, role, target):
    own = world["szw_activity"] if role == "staff_szw" else world["ocw_activity"]
    other = world["ocw_activity"] if own == world["szw_activity"] else world["szw_activity"]
    return own if target == "own" else other


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and response.url.startswith(reverse("admin:login"))


def fresh(activity):
    return Activity.objects.filter(pk=activity.pk).first()


def done(world, activity, applied: bool) -> bool:
    """A change went through: applied, or (for ministry staff, and only for them) proposed."""
    proposed = Proposal.objects.pending().filter(activity_id=activity.pk).exists()
    if world["role"].startswith("staff"):
        assert not applied, "a ministry employee's change must wait for review"
    else:
        assert not proposed, "a coordinator's change applies at once"
    return applied or proposed


def outcome(response, *, allowed: bool, refused_statuses=(403,)) -> str:
    """Decide the cell from the response and what changed, and refuse anything in between."""
    if is_login_redirect(response):
        assert not allowed, "a login redirect must not change anything"
        return LOGIN
    if allowed:
        return YES
    assert response.status_code in (200, 302, *refused_statuses), response.status_code
    return NO


def do_list(client, activity, world):
    response = client.get(CHANGELIST_URL)
    shown = response.status_code == 200 and activity.title in response.text
    return outcome(response, allowed=shown)


def do_view(client, activity, world):
    response = client.get(change_url(activity))
    return outcome(response, allowed=response.status_code == 200)


def do_change(client, activity, world):
    data = change_form_data(activity, explanation="Bijgewerkt in de test.")
    response = client.post(change_url(activity), data)
    changed = done(world, activity, fresh(activity).explanation == "Bijgewerkt in de test.")
    assert changed == (response.status_code == 302 and not is_login_redirect(response))
    return outcome(response, allowed=changed)


def do_delete(client, activity, world):
    response = client.post(
        reverse("admin:measures_activity_delete", args=[activity.pk]), {"post": "yes"}
    )
    return outcome(response, allowed=fresh(activity) is None)


def do_action(client, activity, world):
    response = client.post(
        CHANGELIST_URL,
        {
            "action": "change_status",
            "_selected_action": [activity.pk],
            "select_across": "0",
            "apply": "1",
            "status": world["closed"].pk,
            "note": "Afgerond volgens de Kamerbrief.",
        },
    )
    return outcome(
        response, allowed=done(world, activity, fresh(activity).status == world["closed"])
    )


def do_autocomplete(client, activity, world):
    # Any foreign key to Activity can serve as the source of the admin's autocomplete.
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "measures",
            "model_name": "footnote",
            "field_name": "activity",
            "term": activity.title.split()[0],
        },
    )
    found = response.status_code == 200 and str(activity.pk) in {
        result["id"] for result in response.json()["results"]
    }
    return outcome(response, allowed=found)


def do_export(client, activity, world):
    response = client.post(EXPORT_URL, {"format": CSV, "resource": "0"})
    exported = response.status_code == 200 and activity.slug in response.content.decode()
    return outcome(response, allowed=exported)


def do_import(client, activity, world):
    content = csv_file(
        [
            update_round.COLUMNS,
            [activity.slug, "", "", "", "Afgerond", "2023-2025", "Klaar.", activity.version],
        ]
    )
    response = import_file(client, content, "bijwerkronde.csv")
    return outcome(
        response, allowed=done(world, activity, fresh(activity).status == world["closed"])
    )


def do_review(client, activity, world):
    proposer = make_staff_member(*activity.actors.all())
    proposal = services.propose_changes(
        activity, user=proposer, base_version=1, changes={"status": world["closed"]}
    )
    response = client.post(review_url(proposal), {"_approve": "1"})
    proposal.refresh_from_db()
    approved = proposal.state == ProposalState.APPROVED
    assert approved == (fresh(activity).status == world["closed"])
    return outcome(response, allowed=approved)


@pytest.mark.parametrize(("role", "target", "operation", "expected"), CELLS)
def test_permission_matrix(client, world, role, target, operation, expected):
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    activity = target_activity(world, role, target)
    world["role"] = role

    result = globals()[f"do_{operation}"](client, activity, world)

    assert result == expected


def test_the_matrix_covers_every_role_target_and_route():
    roles = {role for role, _ in MATRIX}
    assert roles == {"anonymous", "staff_ocw", "staff_szw", "coordinator", "superuser"}
    assert len(CELLS) == len(roles) * 2 * len(OPERATIONS)
