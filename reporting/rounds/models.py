"""Update rounds ("uitvraag"): the coordinators ask every ministry for the state of its
activities as of a peildatum, one request per activity, answered by the staff of its actors.

A request's answer is a proposal (``measures.Proposal``, reviewed by a coordinator) or
"ongewijzigd". Who a request is addressed to is not stored: it follows from the activity's
actors and their staff (``measures.ActorMembership``), the same rule as who may edit it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from measures.models import Activity


class RoundState(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "gesloten", "Gesloten"


class UpdateRound(models.Model):
    title = models.CharField("titel", max_length=200, help_text="Bijvoorbeeld 'Uitvraag 2026-1'.")
    reference_date = models.DateField(
        "peildatum", help_text="De ministeries geven de stand van zaken per deze datum."
    )
    deadline = models.DateField(
        "uiterste datum", help_text="Tot en met deze dag kan men antwoorden."
    )
    introduction = models.TextField(
        "toelichting", blank=True, help_text="Komt in de e-mail waarmee de ronde opent."
    )
    state = models.CharField(
        "status", max_length=20, choices=RoundState.choices, default=RoundState.OPEN
    )
    opened_at = models.DateTimeField("geopend op", default=timezone.now, editable=False)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
        verbose_name="geopend door",
    )
    closed_at = models.DateTimeField("gesloten op", null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="gesloten door",
    )

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = "uitvraag"
        verbose_name_plural = "uitvragen"
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("reference_date")),
                name="round_deadline_not_before_reference_date",
                violation_error_message="De uiterste datum ligt vóór de peildatum.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.state == RoundState.OPEN

    def is_late(self, today=None) -> bool:
        return (today or timezone.localdate()) > self.deadline


class RequestState(models.TextChoices):
    OPEN = "open", "Open"
    SUBMITTED = "ingediend", "Ingediend"
    APPROVED = "goedgekeurd", "Goedgekeurd"
    RETURNED = "teruggestuurd", "Teruggestuurd"


# Waiting for the ministry: never answered, or sent back.
AWAITING_ANSWER = (RequestState.OPEN, RequestState.RETURNED)


class Answer(models.TextChoices):
    CHANGED = "gewijzigd", "Gewijzigd"
    UNCHANGED = "ongewijzigd", "Ongewijzigd"


class UpdateRequestQuerySet(models.QuerySet):
    def for_user(self, user):
        """The requests this user answers or oversees: coordinators all of them, ministry
        staff those for activities they may edit (their actors' activities)."""
        return self.filter(activity__in=Activity.objects.editable_by(user))

    def awaiting_answer(self):
        return self.filter(state__in=AWAITING_ANSWER)

    def in_open_rounds(self):
        return self.filter(round__state=RoundState.OPEN)


class UpdateRequest(models.Model):
    round = models.ForeignKey(
        UpdateRound, on_delete=models.CASCADE, related_name="requests", verbose_name="uitvraag"
    )
    activity = models.ForeignKey(
        Activity,
        on_delete=models.CASCADE,
        related_name="update_requests",
        verbose_name="activiteit",
    )
    state = models.CharField(
        "status", max_length=20, choices=RequestState.choices, default=RequestState.OPEN
    )
    answer = models.CharField("antwoord", max_length=20, choices=Answer.choices, blank=True)
    proposal = models.ForeignKey(
        "measures.Proposal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="update_requests",
        verbose_name="voorstel",
    )
    submitted_at = models.DateTimeField("ingediend op", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="ingediend door",
    )
    comment = models.TextField(
        "opmerking coördinator", blank=True, help_text="Waarom het antwoord is teruggestuurd."
    )

    objects = UpdateRequestQuerySet.as_manager()

    class Meta:
        ordering = ["activity__action_line__number", "activity__position"]
        verbose_name = "verzoek"
        verbose_name_plural = "verzoeken"
        constraints = [
            models.UniqueConstraint(fields=["round", "activity"], name="request_once_per_round"),
        ]
        indexes = [models.Index(fields=["round", "state"], name="request_round_state")]

    def __str__(self) -> str:
        return f"{self.activity} ({self.round})"

    @property
    def awaits_answer(self) -> bool:
        return self.state in AWAITING_ANSWER


class MailKind(models.TextChoices):
    OPENED = "geopend", "Uitvraag geopend"
    REMINDER = "herinnering", "Herinnering"
    LATE = "verlopen", "Termijn verstreken"
    RETURNED = "teruggestuurd", "Teruggestuurd"
    DIGEST = "overzicht", "Dagelijks overzicht"


class SentMail(models.Model):
    """Each mail the rounds send, recorded before it is sent (in the same transaction).

    ``key`` says what makes a mail the same mail (a round's reminder to one user; the digest
    of one day to one user; one return of one proposal): a second attempt — a worker that
    restarted, a job run twice — finds the key taken and sends nothing.
    """

    key = models.CharField("sleutel", max_length=200, unique=True)
    kind = models.CharField("soort", max_length=20, choices=MailKind.choices)
    round = models.ForeignKey(
        UpdateRound, on_delete=models.CASCADE, null=True, blank=True, verbose_name="uitvraag"
    )
    request = models.ForeignKey(
        UpdateRequest, on_delete=models.CASCADE, null=True, blank=True, verbose_name="verzoek"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="aan"
    )
    sent_at = models.DateTimeField("verstuurd op", default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = "verstuurde e-mail"
        verbose_name_plural = "verstuurde e-mails"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} aan {self.user}"


class MailPreference(models.Model):
    """A user's choice about the mails that are a convenience, not a duty: the digest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="round_mail_preference",
        verbose_name="gebruiker",
    )
    daily_digest = models.BooleanField(
        "dagelijks overzicht van nieuwe antwoorden",
        default=True,
        help_text="Alleen voor coördinatoren: elke ochtend de antwoorden van de vorige dag.",
    )

    class Meta:
        verbose_name = "e-mailvoorkeur"
        verbose_name_plural = "e-mailvoorkeuren"

    def __str__(self) -> str:
        return f"E-mailvoorkeur van {self.user}"


class ImportState(models.TextChoices):
    WAITING = "wachtend", "Wacht op de achtergrondverwerking"
    BUSY = "bezig", "Bezig"
    DONE = "klaar", "Verwerkt"
    REFUSED = "geweigerd", "Niets geïmporteerd"
    FAILED = "mislukt", "Mislukt"


FINISHED_IMPORT_STATES = (ImportState.DONE, ImportState.REFUSED, ImportState.FAILED)


class ImportJob(models.Model):
    """A confirmed update-round file too long to import in the request
    (``NAP_IMPORT_BACKGROUND_ROWS``): the worker imports it (``jobs.run_import``), all or
    nothing as in the request, and its page shows how far it got and how it ended."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="door"
    )
    requested_at = models.DateTimeField("aangevraagd", default=timezone.now)
    file_name = models.CharField("bestand", max_length=255)
    # The upload waiting in NAP_IMPORT_UPLOAD_DIR, deleted once the job has ended.
    upload = models.CharField("upload", max_length=64)
    file_format = models.PositiveSmallIntegerField("formaat")
    rows = models.PositiveIntegerField("rijen")
    state = models.CharField(
        "stand", max_length=10, choices=ImportState.choices, default=ImportState.WAITING
    )
    summary = models.TextField("uitkomst", blank=True)
    errors = models.JSONField("fouten", default=list, blank=True)
    # When the worker took it up: a job still "bezig" long after was stopped at the time limit.
    started_at = models.DateTimeField("gestart", null=True, blank=True)
    finished_at = models.DateTimeField("klaar op", null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = "import op de achtergrond"
        verbose_name_plural = "imports op de achtergrond"

    def __str__(self) -> str:
        return f"Import van {self.file_name}"

    @property
    def is_finished(self) -> bool:
        return self.state in FINISHED_IMPORT_STATES
