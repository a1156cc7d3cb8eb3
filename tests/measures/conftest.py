"""The people of the editing stories: two OCW staff members and a coordinator."""

import pytest

from tests.measures.editors import make_coordinator, make_staff_member


@pytest.fixture
def fatima(ocw):
    return make_staff_member(ocw, username="fatima", first_name="Fatima", last_name="El Amrani")


@pytest.fixture
def jan(ocw):
    return make_staff_member(ocw, username="jan", first_name="Jan", last_name="de Vries")


@pytest.fixture
def carla(db):
    return make_coordinator(username="carla", first_name="Carla", last_name="Bos")
