import os

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import FileSystemStorage

from reporting.models import ReportDocument
from tests.factories import make_action_line, make_actor, make_status

# Under pytest-xdist every worker is a separate process: give each its own "shared" cache (the
# page cache's data version) and page cache, or one worker's data change or clear() would empty
# another's page cache in the middle of a test. Nothing has opened those caches yet when this
# module is imported; the variable carries the folder to the processes that tests start.
if worker := os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["NAP_SHARED_CACHE_DIR"] = str(settings.BASE_DIR / "var" / f"test-cache-{worker}")
    settings.CACHES["shared"]["LOCATION"] = os.environ["NAP_SHARED_CACHE_DIR"]
    settings.CACHES["pages"]["LOCATION"] = os.environ["NAP_SHARED_CACHE_DIR"] + "/pages"


@pytest.fixture(scope="session", autouse=True)
def empty_postgresql_tables_with_delete():
    """After each transactional test (the live-server browser tests, the ones that commit for
    real) Django empties every table with one TRUNCATE. On PostgreSQL that costs about two
    seconds whatever the tables hold (each table gets new files); a DELETE of the few rows a
    test leaves takes milliseconds. Django's foreign keys are deferred, so the order does not
    matter within the flush's transaction. Sequences are reset the usual way when asked."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def delete(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        # Table names come from the models and are quoted.
        return [f"DELETE FROM {self.quote_name(table)};" for table in tables]  # noqa: S608

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", delete)
        yield


@pytest.fixture
def empty_caches():
    """The page cache and the default cache empty before and after the test: for tests of
    what is cached, and of pages that must be rendered (use with ``usefixtures``)."""
    for alias in ("default", "fragments", "pages"):
        caches[alias].clear()
    yield
    for alias in ("default", "fragments", "pages"):
        caches[alias].clear()


@pytest.fixture
def action_line(db):
    return make_action_line(1, title="Er zijn gedeelde maatschappelijke waarden en normen")


@pytest.fixture
def status(db):
    return make_status("loopt", label="Loopt")


@pytest.fixture
def closed_status(db):
    return make_status("afgerond", label="Afgerond", is_closed=True)


@pytest.fixture
def ocw(db):
    return make_actor("OCW", name="Ministerie van Onderwijs, Cultuur en Wetenschap")


@pytest.fixture
def szw(db):
    return make_actor("SZW", name="Ministerie van Sociale Zaken en Werkgelegenheid")


@pytest.fixture(autouse=True)
def import_uploads(settings, tmp_path):
    """Update-round uploads waiting for confirmation stay in the test's own folder."""
    settings.NAP_IMPORT_UPLOAD_DIR = str(tmp_path / "import-uploads")
    return tmp_path / "import-uploads"


@pytest.fixture(autouse=True)
def force_login_passes_the_second_factor(monkeypatch):
    """A test's force_login (and pytest-django's admin_client) gives a session that has passed
    its second factor, as a real sign-in with the authenticator app does; tests of the second
    factor itself sign in through the login form. See tests/napsite/accounts/."""
    from django.test import Client

    from tests.accounts import verify_second_factor

    signed_in = Client.force_login

    def force_login(self, user, backend=None):
        signed_in(self, user, backend)
        verify_second_factor(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def document_storage(tmp_path, monkeypatch):
    """The report's stored documents (made by the worker's job) go to this test's own folder."""
    location = tmp_path / "report-documents"
    storage = FileSystemStorage(location=location)
    monkeypatch.setattr(ReportDocument._meta.get_field("file"), "storage", storage)
    return storage
