"""The Redis cache backend (CACHE_URL) against a real Redis on 127.0.0.1:6379, as in
production: values round-trip, and every call of a process shares one Redis client."""

import socket
import uuid

import pytest

from napsite.cache import SharedClientRedisCache

REDIS = ("127.0.0.1", 6379)


def redis_is_running() -> bool:
    try:
        socket.create_connection(REDIS, timeout=0.5).close()
    except OSError:
        return False
    return True


pytestmark = pytest.mark.skipif(not redis_is_running(), reason="no Redis on 127.0.0.1:6379")


@pytest.fixture
def cache():
    # A prefix of its own: tests in other processes use the same Redis.
    prefix = f"test-{uuid.uuid4().hex}"
    cache = SharedClientRedisCache(f"redis://{REDIS[0]}:{REDIS[1]}/15", {"KEY_PREFIX": prefix})
    yield cache
    cache.delete_many(["page", "version", "a", "b"])


def test_values_round_trip_through_one_shared_client(cache):
    cache.set("page", b"<html>", 60)
    cache.set_many({"a": 1, "b": ("head", "tail")}, 60)

    assert cache.get("page") == b"<html>"
    assert cache.get_many(["a", "b", "missing"]) == {"a": 1, "b": ("head", "tail")}
    assert cache.add("version", "v1", None) is True
    assert cache.add("version", "v2", None) is False
    # One client for every call: Django's own backend builds a new one per call.
    client = cache._cache.get_client()
    assert cache._cache.get_client(write=True) is client
