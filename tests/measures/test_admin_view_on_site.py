"""The admin's "view on site" shortcut (/admin/r/<content type>/<id>/) tells no one the address
of an activity they may not open in the admin."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from measures.models import Activity
from tests.factories import make_activity
from tests.measures.editors import make_coordinator, make_staff_member


def view_on_site(activity) -> str:
    content_type = ContentType.objects.get_for_model(Activity)
    return reverse("admin:view_on_site", args=[content_type.pk, activity.pk])


def site_url(activity) -> str:
    return "http://testserver" + activity.get_absolute_url()


@pytest.fixture
def hidden_of_szw(action_line, status, szw):
    return make_activity(
        action_line=action_line,
        status=status,
        actors=(szw,),
        slug="verkenning-nog-geheim",
        is_public=False,
    )


def test_a_medewerker_is_not_led_to_another_ministrys_hidden_activity(client, ocw, hidden_of_szw):
    client.force_login(make_staff_member(ocw))

    response = client.get(view_on_site(hidden_of_szw))

    assert response.status_code == 403
    assert "Location" not in response
    assert "verkenning-nog-geheim" not in response.content.decode()


def test_the_link_still_leads_editors_to_what_they_may_open(
    client, action_line, status, ocw, szw, hidden_of_szw
):
    own = make_activity(action_line=action_line, status=status, actors=(ocw,))
    client.force_login(make_staff_member(ocw))
    to_own = client.get(view_on_site(own))
    client.force_login(make_coordinator())
    to_hidden = client.get(view_on_site(hidden_of_szw))

    assert (to_own.status_code, to_own["Location"]) == (302, site_url(own))
    assert (to_hidden.status_code, to_hidden["Location"]) == (302, site_url(hidden_of_szw))


def test_an_unknown_object_or_type_is_not_found(client, ocw, hidden_of_szw):
    client.force_login(make_coordinator())
    content_type = ContentType.objects.get_for_model(Activity)

    assert (
        client.get(reverse("admin:view_on_site", args=[content_type.pk, 999999])).status_code == 404
    )
    assert client.get(reverse("admin:view_on_site", args=[999999, 1])).status_code == 404
    assert (
        client.get(reverse("admin:view_on_site", args=[content_type.pk, "abc"])).status_code == 404
    )
