"""A coordinator adds an activity through the add form exactly as the page renders it."""

from django.contrib.admin.models import LogEntry
from django.urls import reverse

from measures.models import Activity
from tests.measures.editors import add_inline_row, make_coordinator, page_text, rendered_form

ADD_URL = reverse("admin:measures_activity_add")


def test_a_coordinator_adds_an_activity_with_actors_and_the_public_sees_it(
    client, action_line, status, ocw, szw
):
    coordinator = make_coordinator()
    client.force_login(coordinator)
    form = rendered_form(client.get(ADD_URL), "activity_form")
    # What the coordinator types and picks; every other field is posted as rendered.
    form.data |= {
        "action_line": str(action_line.pk),  # an autocomplete: the widget posts the id
        "position": "7",
        "title": "Training voor vertrouwenspersonen",
        "slug": "training-vertrouwenspersonen",
        "status": form.option_value("status", "Loopt"),
        "timeframe_label": "Vanaf 2025",
        "explanation": "De eerste trainingen zijn gegeven.",
    }
    add_inline_row(form, "actor_links", actor=szw.pk)
    add_inline_row(form, "actor_links", actor=ocw.pk, position=1)

    response = client.post(ADD_URL, form.data)

    assert response.status_code == 302, page_text(response)
    created = Activity.objects.get(slug="training-vertrouwenspersonen")
    assert (created.version, created.updated_by, created.start_year) == (1, coordinator, 2025)
    listing = page_text(client.get(reverse("measures:activity-list")))
    assert "Training voor vertrouwenspersonen" in listing
    detail = client.get(created.get_absolute_url())
    assert detail.status_code == 200
    text = page_text(detail)
    assert "De eerste trainingen zijn gegeven." in text
    assert text.index("(SZW)") < text.index("(OCW)")
    latest = created.history.get()
    assert latest.history_user == coordinator
    assert LogEntry.objects.filter(object_id=str(created.pk)).exists()
    assert sorted(link.actor.code for link in latest.actors.all()) == ["OCW", "SZW"]


def test_a_tampered_version_on_the_add_form_is_ignored(client, action_line, status):
    """A new activity starts at version 1 whatever the post says: never a 500."""
    client.force_login(make_coordinator())
    form = rendered_form(client.get(ADD_URL), "activity_form")
    form.data |= {
        "action_line": str(action_line.pk),
        "position": "1",
        "title": "Nieuw",
        "slug": "nieuw",
        "status": str(status.pk),
        "explanation": "Nieuw.",
        "version": "abc",
    }

    response = client.post(ADD_URL, form.data)

    assert response.status_code == 302
    assert Activity.objects.get(slug="nieuw").version == 1
