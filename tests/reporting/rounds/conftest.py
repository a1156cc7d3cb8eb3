"""A real SMTP server for the round mails, and the data of a small round."""

import email
import email.policy
import socket
import threading

import pytest
from aiosmtpd.controller import Controller

from tests.factories import make_activity, make_actor
from tests.measures.editors import make_coordinator, make_staff_member


class Inbox:
    """What arrived at the SMTP server: each message parsed, with its envelope recipients."""

    def __init__(self):
        self.messages = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address):
        return [message for recipients, message in self.messages if address in recipients]

    def clear(self):
        self.messages.clear()


def parts(message) -> tuple[str, str]:
    """The plain text and the HTML of a message."""
    return (
        message.get_body(preferencelist=("plain",)).get_content(),
        message.get_body(preferencelist=("html",)).get_content(),
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """aiosmtpd on 127.0.0.1 at a free port; the site sends to it through Django's SMTP backend."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "nap@example.nl"
    settings.NAP_SITE_URL = "https://nap.example.nl"
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def vws(db):
    return make_actor("VWS")


@pytest.fixture
def world(action_line, status, ocw, szw, vws):
    """Two ministries with staff, their activities, a coordinator."""
    return {
        "ocw_activity": make_activity(
            action_line=action_line, status=status, actors=(ocw,), title="Lesmateriaal"
        ),
        "szw_activity": make_activity(
            action_line=action_line, status=status, actors=(szw,), title="Toezicht"
        ),
        "shared_activity": make_activity(
            action_line=action_line, status=status, actors=(ocw, szw), title="Campagne"
        ),
        "hidden_activity": make_activity(
            action_line=action_line,
            status=status,
            actors=(ocw,),
            title="Verborgen",
            is_public=False,
        ),
        "fatima": make_staff_member(ocw, username="fatima", email="fatima@ocw.example.nl"),
        "jan": make_staff_member(szw, username="jan", email="jan@szw.example.nl"),
        "nobody": make_staff_member(vws, username="vws", email="vws@vws.example.nl"),
        "coordinator": make_coordinator(username="karin", email="karin@nap.example.nl"),
    }


def run_queued() -> list:
    """Run the queued jobs as the worker does (napsite.tasks.run_attempt), oldest first."""
    from django.utils.module_loading import import_string
    from django_q.models import OrmQ

    results = []
    for row in OrmQ.objects.order_by("id"):
        task = row.task
        row.delete()
        results.append(import_string(task["func"])(*task["args"], **task["kwargs"]))
    return results


def visible_text(response) -> str:
    """The page's text as read on screen: no tags, no scripts, blanks collapsed."""
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self):
            super().__init__()
            self.chunks, self.skip = [], 0

        def handle_starttag(self, tag, attrs):
            self.skip += tag in ("script", "style", "title")

        def handle_endtag(self, tag):
            self.skip -= tag in ("script", "style", "title")

        def handle_data(self, data):
            if not self.skip:
                self.chunks.append(data)

    parser = Text()
    parser.feed(response.content.decode())
    return " ".join(" ".join(parser.chunks).split())
