import pytest
from django.urls import reverse

from tests.factories import make_activity


@pytest.fixture
def activity(action_line, status, ocw):
    return make_activity(action_line=action_line, status=status, actors=(ocw,), footnotes=("x",))


@pytest.mark.parametrize(
    "model",
    [
        "actionlines_actionline",
        "measures_actor",
        "measures_status",
        "measures_activity",
    ],
)
def test_a_superuser_sees_every_changelist_and_change_page(admin_client, activity, model):
    objects = {
        "actionlines_actionline": activity.action_line,
        "measures_actor": activity.ordered_actors[0],
        "measures_status": activity.status,
        "measures_activity": activity,
    }

    changelist = admin_client.get(reverse(f"admin:{model}_changelist"))
    change = admin_client.get(reverse(f"admin:{model}_change", args=[objects[model].pk]))

    assert changelist.status_code == 200
    assert change.status_code == 200
    assert str(objects[model]) in changelist.text


def test_saving_in_the_admin_records_who_changed_what(admin_client, admin_user, activity):
    url = reverse("admin:measures_activity_change", args=[activity.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    data.update(
        {
            "timeframe_label": "Q1 2025",
            "actor_links-TOTAL_FORMS": 1,
            "actor_links-INITIAL_FORMS": 1,
            "actor_links-0-id": activity.actor_links.get().pk,
            "actor_links-0-activity": activity.pk,
            "actor_links-0-actor": activity.ordered_actors[0].pk,
            "actor_links-0-position": 0,
            "footnotes-TOTAL_FORMS": 1,
            "footnotes-INITIAL_FORMS": 1,
            "footnotes-0-id": activity.footnotes.get().pk,
            "footnotes-0-activity": activity.pk,
            "footnotes-0-number": 1,
            "footnotes-0-position": 1,
            "footnotes-0-text": "x",
        }
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    activity.refresh_from_db()
    assert (activity.start_year, activity.start_quarter) == (2025, 1)
    assert activity.updated_by == admin_user
    latest = activity.history.latest()
    assert latest.history_user == admin_user
    assert latest.timeframe_label == "Q1 2025"
