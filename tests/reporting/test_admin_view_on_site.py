"""The admin's "view on site" shortcut (/admin/r/<content type>/<id>/) redirects to an object's
public address: only for users who may see that object in the admin."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from reporting.models import ProgressReport
from tests.factories import make_actor
from tests.measures.editors import make_coordinator, make_staff_member


def view_on_site(report: ProgressReport) -> str:
    content_type = ContentType.objects.get_for_model(ProgressReport)
    return reverse("admin:view_on_site", args=[content_type.pk, report.pk])


def test_a_ministry_employee_does_not_learn_a_drafts_address(client, draft):
    client.force_login(make_staff_member(make_actor("OCW")))

    response = client.get(view_on_site(draft))

    assert response.status_code == 403
    assert "Location" not in response
    assert draft.slug not in response.text


@pytest.mark.parametrize("path", ["999999", "geen-getal"])
def test_an_unknown_report_is_not_found(client, draft, path):
    client.force_login(make_coordinator())
    content_type = ContentType.objects.get_for_model(ProgressReport)

    response = client.get(f"/admin/r/{content_type.pk}/{path}/")

    assert response.status_code == 404


def test_a_coordinator_is_taken_to_the_draft(client, draft):
    client.force_login(make_coordinator())

    response = client.get(view_on_site(draft))

    assert response.status_code == 302
    assert response["Location"].endswith(f"/rapportages/{draft.slug}/")
