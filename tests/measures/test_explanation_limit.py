"""An explanation has at most 20,000 characters, whichever way it arrives."""

import re

import pytest
from django.db import IntegrityError

from measures.models import Activity
from tests.factories import make_activity
from tests.measures.editors import (
    change_form_data,
    change_url,
    download_template,
    edit_xlsx,
    make_staff_member,
    page_text,
    upload,
)

LIMIT = 20_000
TOO_LONG = "x" * (LIMIT + 1)


@pytest.fixture
def campaign(action_line, status, ocw):
    return make_activity(
        action_line=action_line,
        status=status,
        actors=(ocw,),
        slug="campagne",
        explanation="De campagne loopt.",
    )


@pytest.fixture
def editor(client, ocw):
    client.force_login(make_staff_member(ocw))
    return client


def test_the_admin_form_says_the_limit_and_refuses_more(editor, campaign):
    form = page_text(editor.get(change_url(campaign)))
    [textarea] = re.findall(r'<textarea[^>]*name="explanation"[^>]*>', form)
    assert f'maxlength="{LIMIT}"' in textarea

    response = editor.post(change_url(campaign), change_form_data(campaign, explanation=TOO_LONG))

    assert response.status_code == 200
    assert "Zorg dat deze waarde niet meer dan 20000 tekens bevat" in page_text(response)
    campaign.refresh_from_db()
    assert (campaign.explanation, campaign.version) == ("De campagne loopt.", 1)


def test_the_import_refuses_a_row_with_a_longer_explanation(editor, campaign):
    filled_in = edit_xlsx(download_template(editor), {("campagne", "Toelichting"): TOO_LONG})

    preview = upload(editor, filled_in)

    assert "Deze cel is te lang: 20.001 tekens; hoogstens 20.000." in page_text(preview)
    assert preview.context.get("confirm_form") is None
    assert TOO_LONG not in page_text(preview)
    campaign.refresh_from_db()
    assert (campaign.explanation, campaign.version) == ("De campagne loopt.", 1)


def test_the_database_refuses_a_longer_explanation(campaign):
    Activity.objects.filter(pk=campaign.pk).update(explanation="x" * LIMIT)

    with pytest.raises(IntegrityError):
        Activity.objects.filter(pk=campaign.pk).update(explanation=TOO_LONG)
