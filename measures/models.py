"""The measures of the NAP: activities, who is responsible, their status and references."""

import datetime
import html
import re

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connections, models
from django.db.models import (
    Case,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from simple_history.models import HistoricalRecords

from .timeframes import parse_timeframe

# How an explanation refers to its footnote N (see Activity): "... is afgerond.[^10]".
FOOTNOTE_MARKER = re.compile(r"\[\^(?P<number>\d{1,4})\]")
# An explanation is a few paragraphs (the longest in the 2025 report has under 3,000
# characters). The limit keeps a pasted or imported document off every public page, export
# and report; the database holds it too, whatever path the text takes.
EXPLANATION_MAX_LENGTH = 20_000
# A standing task without an end ("Doorlopend"): open, yet never behind its planning.
ONGOING_STATUS_CODE = "doorlopend"


def planning_ended_before(
    end_year: int | None, end_quarter: int | None, peildatum: datetime.date
) -> bool:
    """Whether a Wanneer with this end was over before the peildatum.

    An end quarter ends on its last day, an end year on 31 December; an open end, or no end
    at all, never ends. The same rule as ``ActivityQuerySet.with_planning`` (in SQL).
    """
    if end_year is None:
        return False
    if end_quarter is None:
        return end_year < peildatum.year
    return (end_year, end_quarter) < (peildatum.year, quarter_of(peildatum))


def quarter_of(day: datetime.date) -> int:
    return (day.month - 1) // 3 + 1


def status_may_expire(status: "Status") -> bool:
    """Only open work can be behind its planning: not closed, and not a standing task."""
    return not status.is_closed and status.code != ONGOING_STATUS_CODE


class ActorKind(models.TextChoices):
    MINISTRY = "ministerie", "Ministerie"
    GOVERNMENT_COMMISSIONER = "regeringscommissaris", "Regeringscommissaris"
    AGENCY = "uitvoeringsorganisatie", "Uitvoeringsorganisatie"
    SOCIAL_PARTNERS = "sociale-partners", "Sociale partners"
    OTHER = "overig", "Overig"


class ActorManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Actor(models.Model):
    """Who carries out an activity (the report's "Wie"): a ministry or another party."""

    code = models.CharField(
        "code", max_length=20, unique=True, help_text="Korte code zoals in de rapportage, bv. OCW."
    )
    name = models.CharField("naam", max_length=200)
    kind = models.CharField("soort", max_length=30, choices=ActorKind.choices)

    objects = ActorManager()

    class Meta:
        ordering = ["code"]
        verbose_name = "actor"
        verbose_name_plural = "actoren"

    def __str__(self) -> str:
        return self.code

    def natural_key(self):
        return (self.code,)


class StatusManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Status(models.Model):
    """A step on the fixed, published status list. Statuses are data, edited by coordinators."""

    code = models.SlugField("code", max_length=40, unique=True)
    label = models.CharField("naam", max_length=60)
    definition = models.TextField("definitie", help_text="De openbare uitleg van deze status.")
    position = models.PositiveSmallIntegerField("volgorde", default=0)
    colour = models.CharField(
        "kleur",
        max_length=7,
        default="#535353",
        help_text="Hexadecimale kleur, bv. #01689b. Nooit de enige drager van betekenis.",
    )
    icon = models.CharField(
        "symbool", max_length=4, blank=True, help_text="Tekensymbool naast de kleur, bv. ✓."
    )
    is_closed = models.BooleanField(
        "afgesloten",
        default=False,
        help_text="Afgerond of niet voortgezet: telt niet mee als achterstallig.",
    )

    objects = StatusManager()

    class Meta:
        ordering = ["position", "code"]
        verbose_name = "status"
        verbose_name_plural = "statussen"
        constraints = [
            models.CheckConstraint(
                condition=Q(colour__regex=r"^#[0-9A-Fa-f]{6}$"), name="status_colour_is_hex"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def natural_key(self):
        return (self.code,)


class ActivityActorManager(models.Manager):
    def get_by_natural_key(self, activity_slug, actor_code):
        return self.get(activity__slug=activity_slug, actor__code=actor_code)


class ActivityActor(models.Model):
    """Links an actor to an activity, keeping the printed order of the "Wie" column."""

    activity = models.ForeignKey(
        "measures.Activity", on_delete=models.CASCADE, related_name="actor_links"
    )
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="activity_links")
    position = models.PositiveSmallIntegerField("volgorde", default=0)

    objects = ActivityActorManager()

    class Meta:
        ordering = ["position"]
        verbose_name = "betrokken actor"
        verbose_name_plural = "betrokken actoren"
        constraints = [
            models.UniqueConstraint(fields=["activity", "actor"], name="activity_actor_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.actor} bij {self.activity}"

    def natural_key(self):
        return (*self.activity.natural_key(), *self.actor.natural_key())

    natural_key.dependencies = ["measures.activity", "measures.actor"]


SEARCH_CONFIG = "dutch"
# A search uses at most this many words: enough for any real question, and it bounds the query.
MAX_SEARCH_WORDS = 12
_SEARCH_WORD = re.compile(r"[^\W_]+")
# Equal ranks keep the report's order.
RELEVANCE_TIEBREAK = ("action_line__number", "position")


def search_words(text: str | None) -> list[str]:
    """The words of a search text: runs of letters and digits, everything else dropped."""
    return _SEARCH_WORD.findall(text or "")[:MAX_SEARCH_WORDS]


def only_stop_words(words: list[str], using: str = "default") -> bool:
    """Whether the full-text search ignores all these words ("de", "het", "en"): PostgreSQL's
    Dutch configuration drops them. The simple fallback elsewhere has no stop words."""
    connection = connections[using]
    if not words or connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT numnode(to_tsquery(%s::regconfig, %s))", [SEARCH_CONFIG, " & ".join(words)]
        )
        return cursor.fetchone()[0] == 0


class SearchDocument(Expression):
    """The activity's stored search document (PostgreSQL only; see migration 0002).

    The title has weight A and the explanation weight B, so a match in the title ranks higher.
    Not a model field, so that SQLite never has to know it; it resolves against whatever alias
    the activity table has in the query, also inside subqueries.
    """

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return f"{table}.{connection.ops.quote_name('search_document')}", []


# How much a match of the whole word adds to the rank of a prefix match.
WHOLE_WORD_WEIGHT = 2.0
EXCERPT_WORDS = 30
# The SQLite excerpt: this many characters before the first match, and in all.
EXCERPT_LEAD, EXCERPT_LENGTH = 80, 240
# Characters HTML gives a meaning, and what stands for them.
_HTML_ESCAPES = [("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;")]


class SearchExcerpt(Expression):
    """A short part of the explanation around the matched words, those marked with ``<mark>``:
    safe HTML, every character of the text escaped first.

    On PostgreSQL ``ts_headline`` of the escaped text (so its ``<mark>`` is the only markup);
    elsewhere the text around the first word's first occurrence, escaped and marked here.
    Footnote markers ("[^3]") are left out.
    """

    output_field = models.TextField()

    def __init__(self, words: list[str], text=None):
        super().__init__()
        self.words, self.text = words, text or F("explanation")

    def get_source_expressions(self):
        return [self.text]

    def set_source_expressions(self, expressions):
        (self.text,) = expressions

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.text)
        if connection.vendor == "postgresql":
            sql = f"regexp_replace({sql}, %s, '', 'g')"
            params = [*params, r"\[\^\d+\]"]
            for char, entity in _HTML_ESCAPES:
                sql = f"replace({sql}, %s, %s)"
                params = [*params, char, entity]
            query = " & ".join(f"{word}:*" for word in self.words)
            options = f"StartSel=<mark>, StopSel=</mark>, MaxWords={EXCERPT_WORDS}, MinWords=10"
            return (
                f"ts_headline('{SEARCH_CONFIG}'::regconfig, {sql}, "
                f"to_tsquery('{SEARCH_CONFIG}'::regconfig, %s), %s)",
                [*params, query, options],
            )
        first = f"instr(lower({sql}), lower(%s))"
        return (
            f"substr({sql}, max(1, {first} - {EXCERPT_LEAD}), {EXCERPT_LENGTH})",
            [*params, *params, self.words[0]],
        )

    def get_db_converters(self, connection):
        return [self._as_html]

    def _as_html(self, value, expression, connection):
        if value is None:
            return value
        if connection.vendor == "postgresql":
            return mark_safe(value)  # noqa: S308 (escaped in the query, see as_sql)
        # Split at the matches first, then escape each piece: a mark never lands inside an
        # entity ("lt" in "&lt;").
        pattern = "|".join(re.escape(word) for word in self.words)
        pieces = re.split(f"({pattern})", FOOTNOTE_MARKER.sub("", value), flags=re.I)
        marked = (
            f"<mark>{html.escape(piece)}</mark>" if n % 2 else html.escape(piece)
            for n, piece in enumerate(pieces)
        )
        return mark_safe("".join(marked))  # noqa: S308 (every piece escaped)


class ActivityQuerySet(models.QuerySet):
    def published(self):
        """What the public may see. Every public page, export and report starts here."""
        return self.filter(is_public=True)

    def with_related(self):
        """Everything a list, export or report row shows, in a fixed number of queries."""
        return self.select_related("action_line", "status").prefetch_related(
            models.Prefetch(
                "actor_links",
                queryset=ActivityActor.objects.select_related("actor").order_by("position"),
            ),
            models.Prefetch("footnotes", queryset=Footnote.objects.order_by("position")),
        )

    def search(self, text: str):
        """Activities matching every word of the text, best matches first (as ``search_rank``),
        each with a short excerpt of its explanation, matched words marked (``search_excerpt``,
        safe HTML).

        On PostgreSQL: full-text search with the Dutch configuration, so "maatregel" finds
        "Maatregelen"; each word also matches as a prefix ("publieks" finds
        "Publiekscampagne"), but a whole word ranks above a prefix ("wet" ranks "Wet" above
        "Wetenschap"); a match in the title ranks above one in the explanation, and that above
        one in Wie, the actors' codes and names (see ``SearchDocument``, GIN-indexed).
        Elsewhere (SQLite, for local runs) a simple case-insensitive containment in the title,
        the explanation or an actor's code or name, with title matches first.
        """
        words = search_words(text)
        if not words:
            return self
        if connections[self.db].vendor == "postgresql":
            # Only letters and digits reach the raw queries, so no input can break their syntax.
            prefixes = SearchQuery(
                " & ".join(f"{word}:*" for word in words), search_type="raw", config=SEARCH_CONFIG
            )
            whole_words = SearchQuery(" & ".join(words), search_type="raw", config=SEARCH_CONFIG)
            matches = self.alias(search_document=SearchDocument()).filter(search_document=prefixes)
            ranked = matches.annotate(
                search_rank=SearchRank(F("search_document"), prefixes)
                + WHOLE_WORD_WEIGHT * SearchRank(F("search_document"), whole_words)
            )
        else:
            matches = self
            for word in words:
                in_actors = ActivityActor.objects.filter(activity=OuterRef("pk")).filter(
                    Q(actor__code__icontains=word) | Q(actor__name__icontains=word)
                )
                matches = matches.filter(
                    Q(title__icontains=word) | Q(explanation__icontains=word) | Exists(in_actors)
                )
            title_hits = [
                Case(When(title__icontains=word, then=Value(1.0)), default=Value(0.0))
                for word in words
            ]
            ranked = matches.annotate(
                search_rank=ExpressionWrapper(sum(title_hits[1:], title_hits[0]), FloatField())
            )
        return ranked.annotate(search_excerpt=SearchExcerpt(words)).order_by(
            "-search_rank", *RELEVANCE_TIEBREAK
        )

    def covering_year(self, year: int):
        """Activities whose timeframe includes (part of) that year."""
        return self.filter(start_year__lte=year).filter(
            Q(end_year__gte=year) | Q(end_year__isnull=True)
        )

    def with_planning(self, peildatum: datetime.date | None):
        """Annotate ``planning_expired``: the Wanneer ended before the peildatum while the
        work is still open ("Planning verstreken"). Derived, never stored: the one rule for
        every page, export and filter (``planning_ended_before`` and ``status_may_expire`` are
        the same rule in Python). Without a peildatum nothing has expired."""
        if peildatum is None:
            return self.annotate(planning_expired=Value(False))
        quarter = quarter_of(peildatum)
        # An end quarter is over once the peildatum lies in a later quarter (it ends on its
        # last day); an end year once the peildatum lies in a later year.
        ended = Q(end_year__lt=peildatum.year) | Q(
            end_year=peildatum.year, end_quarter__isnull=False, end_quarter__lt=quarter
        )
        # A subquery of the (few) open statuses, not a join: a query that only needs the
        # rows' keys (a page of a list, see measures.views.paginate) then needs no join.
        open_statuses = Status.objects.filter(is_closed=False).exclude(code=ONGOING_STATUS_CODE)
        open_work = Q(status__in=open_statuses.values("pk"))
        return self.annotate(
            planning_expired=Case(
                When(ended & open_work, then=Value(True)),
                default=Value(False),
                output_field=models.BooleanField(),
            )
        )

    def overdue(self, today: datetime.date | None = None):
        """Planning verstreken as of today (the editors' reminder)."""
        return self.with_planning(today or timezone.localdate()).filter(planning_expired=True)

    def stale(self, days: int | None = None, now: datetime.datetime | None = None):
        """Not updated for a long time (NAP_STALE_AFTER_DAYS by default)."""
        days = settings.NAP_STALE_AFTER_DAYS if days is None else days
        now = now or timezone.now()
        return self.filter(updated_at__lt=now - datetime.timedelta(days=days))

    def editable_by(self, user):
        """The activities this user may change: all of them for coordinators, otherwise only
        those on which one of the user's actors is listed. Every admin route, export and
        import starts here, so the rule lives in one place."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if not user.has_perm("measures.change_activity"):
            return self.none()
        if user.has_perm("measures.manage_all_activities"):
            return self
        own_links = ActivityActor.objects.filter(
            activity=OuterRef("pk"), actor__memberships__user=user
        )
        return self.filter(Exists(own_links))


class ActivityManager(models.Manager.from_queryset(ActivityQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Activity(models.Model):
    """One row of the report's annex: a measure under an action line.

    The explanation is plain text with paragraphs separated by blank lines, lines starting
    with "- " as bullet items, and footnote references written as ``[^N]`` where N is the
    footnote number as printed in the report.
    """

    action_line = models.ForeignKey(
        "actionlines.ActionLine",
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name="actielijn",
    )
    position = models.PositiveIntegerField(
        "volgorde", help_text="Plaats binnen de actielijn, zoals in de rapportage."
    )
    title = models.CharField("activiteit", max_length=300)
    slug = models.SlugField("slug", max_length=120, unique=True)
    status = models.ForeignKey(
        Status, on_delete=models.PROTECT, related_name="activities", verbose_name="status"
    )
    actors = models.ManyToManyField(
        Actor,
        through=ActivityActor,
        related_name="activities",
        verbose_name="wie",
        blank=True,
    )
    timeframe_label = models.CharField(
        "wanneer", max_length=100, blank=True, help_text="Zoals gedrukt, bv. 'Q1 en Q3 2024'."
    )
    start_year = models.PositiveSmallIntegerField("startjaar", null=True, blank=True)
    start_quarter = models.PositiveSmallIntegerField("startkwartaal", null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(
        "eindjaar", null=True, blank=True, help_text="Leeg bij een open einde."
    )
    end_quarter = models.PositiveSmallIntegerField("eindkwartaal", null=True, blank=True)
    explanation = models.TextField("toelichting", max_length=EXPLANATION_MAX_LENGTH)
    deviates_from_plan = models.BooleanField("afwijking van de planning", default=False)
    is_public = models.BooleanField("openbaar", default=True)
    created_at = models.DateTimeField("aangemaakt", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("laatst bijgewerkt", default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="bijgewerkt door",
    )
    # When the status was last confirmed: by a saved update, or by an "ongewijzigd" answer in
    # an update round (which changes nothing, so leaves updated_at and the history alone).
    confirmed_at = models.DateTimeField("status bevestigd op", null=True, blank=True)
    # Optimistic locking: every save bumps it, and an edit based on an older version is refused.
    version = models.PositiveIntegerField("versie", default=1)

    # The change reason holds the note of a bulk status change or the file of an update
    # round, which easily runs past the default 100 characters.
    history = HistoricalRecords(
        m2m_fields=[actors],
        excluded_fields=["updated_by", "confirmed_at"],
        history_change_reason_field=models.TextField(null=True),
    )
    objects = ActivityManager()

    class Meta:
        ordering = ["action_line__number", "position"]
        verbose_name = "activiteit"
        verbose_name_plural = "activiteiten"
        permissions = [
            # The codenames django-import-export derives from its permission code settings.
            ("import_activity", "Mag activiteiten bijwerken met een spreadsheet (import)"),
            ("export_activity", "Mag het bijwerksjabloon van activiteiten downloaden (export)"),
            (
                "manage_all_activities",
                "Mag alle activiteiten en al hun velden beheren, niet alleen die van de eigen "
                "actoren",
            ),
        ]
        indexes = [
            # The peildatum (latest public update) on every public page, and the public count,
            # come from this small index instead of a scan of the whole table.
            models.Index(
                fields=["updated_at"], condition=Q(is_public=True), name="activity_public_updated"
            ),
            # A page of the public list in report order: its 25 keys from this small index
            # alone (an index-only scan, no read of the wide rows), then those 25 rows.
            models.Index(
                fields=["action_line", "position"],
                include=["id", "status"],
                condition=Q(is_public=True),
                name="activity_public_report_order",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["action_line", "position"], name="activity_unique_position_per_line"
            ),
            models.CheckConstraint(
                condition=Q(start_quarter__isnull=True) | Q(start_quarter__range=(1, 4)),
                name="activity_start_quarter_1_to_4",
            ),
            models.CheckConstraint(
                condition=Q(end_quarter__isnull=True) | Q(end_quarter__range=(1, 4)),
                name="activity_end_quarter_1_to_4",
            ),
            models.CheckConstraint(
                condition=Q(start_year__isnull=True)
                | Q(end_year__isnull=True)
                | Q(start_year__lt=F("end_year"))
                | (
                    Q(start_year=F("end_year"))
                    & (
                        Q(start_quarter__isnull=True)
                        | Q(end_quarter__isnull=True)
                        | Q(start_quarter__lte=F("end_quarter"))
                    )
                ),
                name="activity_start_not_after_end",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("explanation"), EXPLANATION_MAX_LENGTH),
                name="activity_explanation_max_length",
                violation_error_message=(
                    f"De toelichting is te lang: hoogstens {EXPLANATION_MAX_LENGTH:,} tekens."
                ).replace(",", "."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("measures:activity-detail", kwargs={"slug": self.slug})

    def natural_key(self):
        return (self.slug,)

    natural_key.dependencies = ["actionlines.actionline", "measures.status", "measures.actor"]

    def record_actors_in_history(self) -> None:
        """Snapshot the current actors into the latest history record.

        The admin saves the activity (which writes its history record) before the actor inline,
        so that record would hold the actors as they were. Called once the inlines are saved.
        """
        latest = self.history.latest()
        snapshot = latest.actors.model
        snapshot.objects.filter(history=latest).delete()
        through_fields = [field.name for field in ActivityActor._meta.fields]
        snapshot.objects.bulk_create(
            snapshot(history=latest, **{name: getattr(link, name) for name in through_fields})
            for link in self.actor_links.select_related("actor")
        )

    def apply_timeframe_label(self) -> None:
        """Derive the structured start and end from the printed label."""
        timeframe = parse_timeframe(self.timeframe_label)
        self.start_year = timeframe.start.year if timeframe.start else None
        self.start_quarter = timeframe.start.quarter if timeframe.start else None
        self.end_year = timeframe.end.year if timeframe.end else None
        self.end_quarter = timeframe.end.quarter if timeframe.end else None

    @property
    def status_confirmed_at(self) -> datetime.datetime:
        """When the status was last confirmed; data loaded without a confirmation counts as
        confirmed when it was last updated."""
        return self.confirmed_at or self.updated_at

    def planning_expired_on(self, peildatum: datetime.date | None) -> bool:
        """``with_planning``'s rule for one activity in memory."""
        return (
            peildatum is not None
            and status_may_expire(self.status)
            and planning_ended_before(self.end_year, self.end_quarter, peildatum)
        )

    @property
    def ordered_actors(self) -> list[Actor]:
        """Actors in the order the report prints them (uses the prefetch of ``with_related``)."""
        return [link.actor for link in self.actor_links.all()]


class FootnoteManager(models.Manager):
    def get_by_natural_key(self, activity_slug, number):
        return self.get(activity__slug=activity_slug, number=number)


class Footnote(models.Model):
    """A numbered reference under an activity, mostly Kamerstukken and web addresses."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="footnotes", verbose_name="activiteit"
    )
    number = models.PositiveIntegerField("nummer", help_text="Het nummer zoals gedrukt.")
    position = models.PositiveSmallIntegerField("volgorde", default=0)
    text = models.TextField("tekst")
    url = models.URLField("link", max_length=500, blank=True)

    history = HistoricalRecords()
    objects = FootnoteManager()

    class Meta:
        ordering = ["activity", "position", "number"]
        verbose_name = "voetnoot"
        verbose_name_plural = "voetnoten"
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "number"], name="footnote_unique_number_per_activity"
            ),
        ]

    def __str__(self) -> str:
        return f"[{self.number}] {self.text[:60]}"

    def natural_key(self):
        return (*self.activity.natural_key(), self.number)

    natural_key.dependencies = ["measures.activity"]


class ActorMembership(models.Model):
    """A user works for an actor, and so may update the activities that actor is listed on.

    Coordinators maintain these in the admin; a user may belong to several actors.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="actor_memberships",
        verbose_name="gebruiker",
    )
    actor = models.ForeignKey(
        Actor, on_delete=models.CASCADE, related_name="memberships", verbose_name="actor"
    )

    class Meta:
        ordering = ["actor__code", "user__username"]
        verbose_name = "medewerker van een actor"
        verbose_name_plural = "medewerkers van actoren"
        constraints = [
            models.UniqueConstraint(fields=["user", "actor"], name="actor_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} bij {self.actor}"


# What a proposal may change, in the order a reviewer reads them (the report's columns).
PROPOSAL_FIELDS = [
    "status",
    "timeframe_label",
    "actors",
    "explanation",
    "footnotes",
    "deviates_from_plan",
]


class ProposalState(models.TextChoices):
    SUBMITTED = "ingediend", "Ingediend"
    APPROVED = "goedgekeurd", "Goedgekeurd"
    RETURNED = "teruggestuurd", "Teruggestuurd"
    # The proposer took it back before anyone reviewed it.
    WITHDRAWN = "ingetrokken", "Ingetrokken"
    # A coordinator's own change (or any change with review switched off): applied at once,
    # recorded here so every change by every route leaves the same trace.
    APPLIED = "toegepast", "Direct toegepast"


class ProposalSource(models.TextChoices):
    FORM = "formulier", "Formulier"
    BULK = "bulk", "Status van een selectie"
    SPREADSHEET = "spreadsheet", "Bijwerkronde (spreadsheet)"


class ProposalQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(state=ProposalState.SUBMITTED)

    def for_user(self, user):
        """The proposals this user may see: all for coordinators, otherwise those on the
        activities of the user's own actors (whoever of their colleagues made them)."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.has_perm("measures.review_proposal") or user.has_perm(
            "measures.manage_all_activities"
        ):
            return self
        return self.filter(activity__in=Activity.objects.editable_by(user).values("pk"))


class Proposal(models.Model):
    """A change to an activity that waits for a coordinator's review (four eyes).

    The activity row keeps the approved values, so the public site, every export and every
    report show only approved data by construction; the proposed values live here until a
    coordinator approves them (``services.approve_proposal``).

    ``changes`` holds, per field of ``PROPOSAL_FIELDS`` that the proposal changes,
    ``{"old": ..., "new": ...}`` as JSON: the status by code, the actors as a list of codes, the
    footnotes as a list of ``{"number", "text", "url"}``, the rest as they are. "old" is the
    value at ``base_version``, the version the proposer saw.
    """

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="proposals", verbose_name="activiteit"
    )
    state = models.CharField(
        "stand", max_length=20, choices=ProposalState.choices, default=ProposalState.SUBMITTED
    )
    source = models.CharField(
        "via", max_length=20, choices=ProposalSource.choices, default=ProposalSource.FORM
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="ingediend door",
    )
    created_at = models.DateTimeField("ingediend op", default=timezone.now)
    base_version = models.PositiveIntegerField("gemaakt op versie")
    changes = models.JSONField("wijzigingen")
    note = models.TextField("toelichting bij het voorstel", blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="beoordeeld door",
    )
    reviewed_at = models.DateTimeField("beoordeeld op", null=True, blank=True)
    review_comment = models.TextField("opmerking van de coördinator", blank=True)
    # The version of the activity that applying the proposal made.
    applied_version = models.PositiveIntegerField("toegepast als versie", null=True, blank=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "voorstel"
        verbose_name_plural = "voorstellen"
        permissions = [
            ("review_proposal", "Mag voorstellen beoordelen (goedkeuren of terugsturen)"),
        ]
        indexes = [models.Index(fields=["state", "created_at"], name="proposal_state_created")]
        constraints = [
            # One proposal at a time waits per activity: a reviewer never has to choose
            # between two ministries' versions of the same activity.
            models.UniqueConstraint(
                fields=["activity"],
                condition=Q(state="ingediend"),
                name="proposal_one_pending_per_activity",
            ),
        ]

    def __str__(self) -> str:
        return f"Voorstel {self.pk} voor ‘{self.activity}’"

    @property
    def is_pending(self) -> bool:
        return self.state == ProposalState.SUBMITTED
