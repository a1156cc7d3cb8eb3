"""Every public page runs the same number of SQL queries at 10 and at 200 activities."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.public_site import make_public_site

PAGES = [
    ("/", 200),
    ("/actielijnen/1/", 200),
    ("/actielijnen/1/?page=2", 200),
    ("/activiteiten/", 200),
    ("/activiteiten/?page=3", 200),
    ("/activiteiten/?actielijn=1&actielijn=2&status=loopt&status=afgerond&wie=OCW&jaar=2024", 200),
    ("/activiteiten/?q=maatregel&sort=titel", 200),
    ("/activiteiten/?q=maatregel", 200),
    ("/activiteiten/?jaar=abc&status=nope", 400),
    ("/activiteiten/{slug}/", 200),
    ("/statussen/", 200),
    ("/toegankelijkheid/", 200),
    ("/activiteiten/bestaat-niet/", 404),
]


def queries_for(client, url: str, status: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == status, url
    return len(queries)


@pytest.mark.parametrize(("page", "status"), PAGES)
def test_the_query_count_does_not_grow_with_the_number_of_activities(client, db, page, status):
    site = make_public_site(activities=10)
    url = page.format(slug=site.activities[0].slug)
    few = queries_for(client, url, status)

    site.add_activities(190)
    many = queries_for(client, url, status)

    assert few == many, f"{url}: {few} queries at 10 activities, {many} at 200"
    assert many <= 12, f"{url}: {many} queries is more than a page should need"
