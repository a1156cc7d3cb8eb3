"""The two roles as the data migration creates them, and who manages memberships."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.urls import reverse

from measures.roles import COORDINATOR, MINISTRY_STAFF, grant_permissions
from tests.factories import make_activity
from tests.measures.editors import make_coordinator, make_staff_member, page_text, rendered_form


def permissions_of(group_name):
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def crud(label, model):
    return {f"{label}.{action}_{model}" for action in ("add", "change", "delete", "view")}


def test_ministry_staff_may_view_and_change_activities_and_their_footnotes(db):
    assert permissions_of(MINISTRY_STAFF) == {
        "measures.view_activity",
        "measures.change_activity",
        "measures.import_activity",
        "measures.export_activity",
        *crud("measures", "footnote"),
        "measures.view_proposal",
        # Update rounds: see them and answer their own requests (reporting/migrations/0005).
        "reporting.view_updateround",
        "reporting.view_updaterequest",
        "reporting.change_updaterequest",
        "reporting.view_mailpreference",
        "reporting.change_mailpreference",
    }


def test_coordinators_manage_activities_and_reference_data_but_not_users(db):
    assert permissions_of(COORDINATOR) == {
        *crud("measures", "activity"),
        "measures.import_activity",
        "measures.export_activity",
        "measures.manage_all_activities",
        *crud("measures", "activityactor"),
        *crud("measures", "footnote"),
        *crud("measures", "actor"),
        *crud("measures", "status"),
        *crud("measures", "actormembership"),
        *crud("actionlines", "actionline"),
        *crud("reporting", "progressreport"),
        "reporting.publish_progressreport",
        # The background jobs, read only (napsite/migrations/0001_background_tasks.py).
        *(f"django_q.view_{model}" for model in ("ormq", "success", "failure", "schedule")),
        "measures.view_proposal",
        "measures.review_proposal",
        # Update rounds: open, follow and close them (reporting/migrations/0005_rounds.py).
        "reporting.add_updateround",
        "reporting.change_updateround",
        "reporting.view_updateround",
        "reporting.view_updaterequest",
        "reporting.change_updaterequest",
        "reporting.view_sentmail",
        "reporting.view_mailpreference",
        "reporting.change_mailpreference",
        # Who signed in how, and who changed whose rights (read-only records).
        "accounts.view_signin",
        "accounts.view_accesschange",
    }


def test_a_later_migration_can_add_permissions_to_a_role_without_losing_any(db):
    before = permissions_of(COORDINATOR)

    grant_permissions(apps, COORDINATOR, ["auth.view_group"])
    grant_permissions(apps, COORDINATOR, ["auth.view_group"])

    assert permissions_of(COORDINATOR) == before | {"auth.view_group"}


def test_a_misspelt_permission_is_an_error_not_a_silent_gap(db):
    with pytest.raises(LookupError, match=r"reporting\.publish_rport"):
        grant_permissions(apps, COORDINATOR, ["reporting.publish_rport"])


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:measures_actor_changelist",
        "admin:measures_status_changelist",
        "admin:actionlines_actionline_changelist",
        "admin:measures_actormembership_changelist",
        "admin:auth_user_changelist",
        "admin:auth_group_changelist",
        "admin:measures_activity_add",
    ],
)
def test_ministry_staff_touch_nothing_but_activities(client, ocw, url_name):
    client.force_login(make_staff_member(ocw))

    assert client.get(reverse(url_name)).status_code == 403


@pytest.mark.parametrize("url_name", ["admin:auth_user_changelist", "admin:auth_group_changelist"])
def test_coordinators_do_not_manage_user_accounts(client, db, url_name):
    client.force_login(make_coordinator())

    assert client.get(reverse(url_name)).status_code == 403


def test_a_coordinator_links_a_staff_member_to_a_ministry(client, ocw, szw, action_line, status):
    of_szw = make_activity(action_line=action_line, status=status, actors=(szw,))
    employee = make_staff_member(ocw, first_name="Pieter", last_name="Jansen")
    client.force_login(make_coordinator())

    form = client.get(reverse("admin:measures_actormembership_add"))
    response = client.post(
        reverse("admin:measures_actormembership_add"), {"user": employee.pk, "actor": szw.pk}
    )

    assert "Pieter Jansen (" in page_text(form)
    assert response.status_code == 302
    assert set(employee.actor_memberships.values_list("actor__code", flat=True)) == {
        "OCW",
        "SZW",
    }
    client.force_login(employee)
    assert (
        client.get(reverse("admin:measures_activity_change", args=[of_szw.pk])).status_code == 200
    )


def test_an_actors_page_lists_who_works_for_it(client, ocw, szw):
    pieter = make_staff_member(ocw, first_name="Pieter", last_name="Jansen")
    make_staff_member(szw, first_name="Sanne", last_name="de Boer")
    client.force_login(make_coordinator())

    page = client.get(reverse("admin:measures_actor_change", args=[ocw.pk]))

    assert page.status_code == 200
    assert "mogen de activiteiten van deze actor bijwerken" in page_text(page)
    form = rendered_form(page, "actor_form")
    rows = int(form.data["memberships-TOTAL_FORMS"])
    listed = [form.selected_label(f"memberships-{i}-user") for i in range(rows)]
    assert listed == [f"Pieter Jansen ({pieter.username})"]


def test_coordinators_may_publish_reports_and_staff_may_not(db):
    coordinator = make_coordinator()
    staff = make_staff_member()

    assert coordinator.has_perm("reporting.publish_progressreport")
    assert coordinator.has_perm("reporting.change_progressreport")
    assert not staff.has_perm("reporting.publish_progressreport")
    assert not staff.has_perm("reporting.view_progressreport")
