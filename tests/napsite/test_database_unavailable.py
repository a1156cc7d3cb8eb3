"""While PostgreSQL restarts, visitors get a Dutch "try again shortly" page, not a 500."""

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_an_unreachable_database_gives_a_503_that_asks_to_retry(client, db, error):
    with mock.patch("measures.selectors.progress_overview", side_effect=error("server closed")):
        response = client.get("/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Even niet beschikbaar" in response.text
    assert "server closed" not in response.text


def test_other_errors_still_give_the_500_page(client, db):
    client.raise_request_exception = False
    with mock.patch("measures.selectors.progress_overview", side_effect=ValueError("bug")):
        response = client.get("/")

    assert response.status_code == 500
