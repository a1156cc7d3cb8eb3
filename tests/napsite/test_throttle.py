"""Expensive requests are bounded per client and overall; refusals are Dutch, with Retry-After."""

import time

import pytest
from django.core.cache import caches

from tests.factories import make_activity

FILTERED_CSV = "/activiteiten/export.csv?actielijn=1"


@pytest.fixture(autouse=True)
def bounds(settings, db, action_line, status):
    settings.NAP_HEAVY_MAX_CONCURRENT = 2
    settings.NAP_HEAVY_MAX_PER_CLIENT = 1
    make_activity(action_line=action_line, status=status, title="Een activiteit")
    shared = caches["shared"]
    keys = [f"heavy-slot:all:{n}" for n in range(2)] + ["heavy-slot:client:127.0.0.1:0"]
    shared.delete_many(keys)
    yield shared
    shared.delete_many(keys)


def hold(shared, key: str, seconds: int = 60) -> None:
    """A slot taken by another request (or a worker that died holding it)."""
    assert shared.add(key, "elsewhere", timeout=seconds)


def test_a_client_over_its_bound_gets_a_dutch_429_with_retry_after(client, bounds):
    hold(bounds, "heavy-slot:client:127.0.0.1:0")

    response = client.get(FILTERED_CSV)

    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    assert "Te veel downloads tegelijk" in response.content.decode()


def test_a_site_at_its_bound_gets_a_dutch_503_with_retry_after(client, bounds):
    hold(bounds, "heavy-slot:all:0")
    hold(bounds, "heavy-slot:all:1")

    response = client.get(FILTERED_CSV)

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Het is even te druk" in response.content.decode()
    # The refused request gave its client slot back: the client is not locked out.
    bounds.delete("heavy-slot:all:0")
    assert client.get(FILTERED_CSV).status_code == 200


@pytest.mark.parametrize(
    "url", ["/activiteiten/export.xlsx?actielijn=1", "/rapportages/bestaat-niet/"]
)
def test_report_pages_and_workbooks_are_bounded_too(client, bounds, url):
    hold(bounds, "heavy-slot:client:127.0.0.1:0")

    assert client.get(url).status_code == 429


def test_the_list_page_is_never_bounded(client, bounds):
    hold(bounds, "heavy-slot:all:0")
    hold(bounds, "heavy-slot:all:1")

    assert client.get("/activiteiten/").status_code == 200


def test_a_slot_is_held_while_streaming_and_given_back_when_the_response_closes(client, bounds):
    first = client.get(FILTERED_CSV)
    assert first.status_code == 200
    assert client.get(FILTERED_CSV).status_code == 429  # the first is still being sent

    b"".join(first.streaming_content)  # sent to the end: the server closes the response

    second = client.get(FILTERED_CSV)
    assert second.status_code == 200
    assert "Een activiteit" in b"".join(second.streaming_content).decode("utf-8-sig")


def test_a_slot_is_given_back_when_the_view_fails(client, bounds, monkeypatch):
    def broken(params):
        raise RuntimeError("the view failed")

    monkeypatch.setattr("measures.exports.filter_public_activities", broken)
    client.raise_request_exception = False
    assert client.get(FILTERED_CSV).status_code == 500
    monkeypatch.undo()

    assert client.get(FILTERED_CSV).status_code == 200


def test_a_slot_left_by_a_crashed_worker_frees_itself(client, bounds):
    hold(bounds, "heavy-slot:client:127.0.0.1:0", seconds=1)
    assert client.get(FILTERED_CSV).status_code == 429

    time.sleep(1.1)

    assert client.get(FILTERED_CSV).status_code == 200


def test_clients_are_told_apart_by_address(client, bounds):
    hold(bounds, "heavy-slot:client:127.0.0.1:0")

    response = client.get(FILTERED_CSV, REMOTE_ADDR="192.0.2.7")

    assert response.status_code == 200
    b"".join(response.streaming_content)
