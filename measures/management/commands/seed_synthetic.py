"""Add realistic *synthetic* activities, for benchmarks and load tests only.

Every synthetic activity is clearly marked: its slug starts with ``synthetisch-``, its title
with "Synthetisch: " and its explanation says so. ``--remove`` deletes them all again. The
shipped fixture never contains them. Refuses to run without DEBUG unless told otherwise, so it
does not end up in production by accident.
"""

import copy
import datetime
import random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from actionlines.models import ActionLine
from measures import services
from measures.models import Activity, ActivityActor, Actor, ActorKind, Footnote, Status
from measures.page_cache import bump_data_version

SLUG_PREFIX = "synthetisch-"
TITLE_PREFIX = "Synthetisch: "
MAX_ACTIVITIES = 100_000
BATCH_SIZE = 1_000

ACTION_LINES = [
    (1, "Er zijn gedeelde maatschappelijke waarden en normen over hoe we met elkaar om willen "
        "gaan in de samenleving"),
    (2, "Wet- en regelgeving weerspiegelen de (veranderende) maatschappelijke normen"),
    (3, "Organisaties hebben processen voor preventie, signalering en opvolging op orde"),
    (4, "Iedereen herkent seksueel grensoverschrijdend gedrag en seksueel geweld en kan hierop "
        "reageren"),
    (5, "Er is goede hulpverlening die makkelijk vindbaar is"),
]  # fmt: skip

# code, label, definition, colour, icon, closed, how often (weight)
STATUSES = [
    ("nog-niet-gestart", "Nog niet gestart", "Aan de activiteit is nog niet begonnen.",
     "#8b8b8b", "○", False, 1),
    ("loopt", "Loopt", "De activiteit is gestart en loopt volgens planning.",
     "#01689b", "▶", False, 6),
    ("vertraagd", "Vertraagd", "De activiteit loopt later af dan gepland.",
     "#e17000", "!", False, 2),
    ("afgerond", "Afgerond", "De activiteit is uitgevoerd.", "#39870c", "✓", True, 3),
    ("doorlopend", "Doorlopend", "De activiteit heeft geen einddatum en loopt door.",
     "#42145f", "∞", False, 2),
    ("niet-voortgezet", "Niet voortgezet", "Er is besloten de activiteit niet voort te zetten.",
     "#d52b1e", "×", True, 1),
]  # fmt: skip

ACTORS = [
    ("OCW", "Ministerie van Onderwijs, Cultuur en Wetenschap", ActorKind.MINISTRY),
    ("SZW", "Ministerie van Sociale Zaken en Werkgelegenheid", ActorKind.MINISTRY),
    ("JenV", "Ministerie van Justitie en Veiligheid", ActorKind.MINISTRY),
    ("VWS", "Ministerie van Volksgezondheid, Welzijn en Sport", ActorKind.MINISTRY),
    ("BZK", "Ministerie van Binnenlandse Zaken en Koninkrijksrelaties", ActorKind.MINISTRY),
    ("Defensie", "Ministerie van Defensie", ActorKind.MINISTRY),
    ("Regeringscommissaris", "Regeringscommissaris seksueel grensoverschrijdend gedrag en "
     "seksueel geweld", ActorKind.GOVERNMENT_COMMISSIONER),
    ("NLA", "Nederlandse Arbeidsinspectie", ActorKind.AGENCY),
    ("StvdA", "Stichting van de Arbeid", ActorKind.SOCIAL_PARTNERS),
]  # fmt: skip

KINDS = [
    "Publiekscampagne over", "Onderzoek naar", "Wetsvoorstel over", "Handreiking over",
    "Training over", "Monitor van", "Kennisprogramma over", "Pilot rond", "Subsidieregeling voor",
    "Evaluatie van de aanpak van", "Maatregelen tegen", "Netwerk rond", "Gedragscode over",
]  # fmt: skip
TOPICS = [
    "seksueel grensoverschrijdend gedrag", "seksueel geweld", "online seksueel misbruik",
    "victim blaming", "vertrouwenspersonen", "meldpunten", "sextortion",
    "intimidatie op de werkvloer", "relationele en seksuele vorming", "slachtofferhulp",
    "daderaanpak", "femicide", "seksuele straatintimidatie",
]  # fmt: skip
SETTINGS = [
    "in het onderwijs", "in de sport", "in de cultuursector", "op de werkvloer",
    "in het uitgaansleven", "bij de Rijksoverheid", "in de zorg", "online", "voor jongeren",
    "voor professionals", "in de wijk", "bij de politie",
]  # fmt: skip
SENTENCES = [
    "In {year} is een eerste versie opgeleverd en besproken met de betrokken partijen.",
    "De maatregelen worden samen met gemeenten, scholen en maatschappelijke organisaties "
    "uitgewerkt.",
    "Uit de tussenevaluatie blijkt dat de aanpak werkt, maar dat meer bekendheid nodig is.",
    "Het kabinet heeft de Tweede Kamer hierover geïnformeerd.",
    "De uitvoering is belegd bij het ministerie, in nauwe samenwerking met de "
    "Regeringscommissaris.",
    "Er is extra aandacht voor slachtoffers en voor mensen in een kwetsbare positie.",
    "Voor {year} staat een vervolg gepland, waarin de resultaten breder worden gedeeld.",
    "De planning is bijgesteld omdat het wetgevingstraject meer tijd vraagt.",
]  # fmt: skip
BULLETS = [
    "trainingen voor docenten en begeleiders",
    "een landelijke campagne gericht op omstanders",
    "ondersteuning van vertrouwenspersonen",
    "onderzoek naar de omvang van het probleem",
    "betere samenwerking tussen meldpunten en hulpverlening",
]
TIMEFRAMES = [
    "2023-2026", "2024", "2025", "Q1 en Q3 2024", "Vanaf 2022", "2023-", "2024-2025",
    "Q4 2024 en Q1 2025", "2023", "Vanaf Q4 2023-2025", "",
]  # fmt: skip


class Command(BaseCommand):
    help = (
        "Voeg N realistische, duidelijk gemarkeerde synthetische activiteiten toe "
        "(alleen voor benchmarks en belastingtests), of verwijder ze met --remove."
    )

    def add_arguments(self, parser):
        parser.add_argument("--activities", type=int, default=0, help="Hoeveel er bij moeten.")
        parser.add_argument("--seed", type=int, default=2025, help="Voor herhaalbare gegevens.")
        parser.add_argument(
            "--remove", action="store_true", help="Verwijder alle synthetische activiteiten."
        )
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Ook draaien als DJANGO_DEBUG uit staat (bijvoorbeeld een aparte benchmark-db).",
        )

    def handle(self, *args, activities, seed, remove, allow_without_debug, **options):
        if not (settings.DEBUG or allow_without_debug):
            raise CommandError(
                "seed_synthetic is voor test- en benchmarkdatabases: zet DJANGO_DEBUG=1 of "
                "geef --allow-without-debug."
            )
        if remove:
            with transaction.atomic():
                deleted, _ = Activity.objects.filter(slug__startswith=SLUG_PREFIX).delete()
            self.stdout.write(f"Synthetische gegevens verwijderd ({deleted} rijen).")
            return
        if not 1 <= activities <= MAX_ACTIVITIES:
            raise CommandError(f"--activities moet tussen 1 en {MAX_ACTIVITIES} liggen.")
        with transaction.atomic():
            created = SyntheticData(random.Random(seed)).add(activities)  # noqa: S311
            # Bulk inserts send no signals: tell the page cache once, after the commit.
            transaction.on_commit(bump_data_version)
        self.stdout.write(f"{created} synthetische activiteiten toegevoegd.")


class SyntheticData:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.now = timezone.now()

    def add(self, count: int) -> int:
        lines = self._action_lines()
        statuses = self._statuses()
        weights = [weight for *_, weight in STATUSES]
        actors = self._actors()
        positions = {
            line.pk: Activity.objects.filter(action_line=line).aggregate(m=Max("position"))["m"]
            or 0
            for line in lines
        }
        first = Activity.objects.filter(slug__startswith=SLUG_PREFIX).count() + 1
        for start in range(0, count, BATCH_SIZE):
            batch = []
            for number in range(first + start, first + min(start + BATCH_SIZE, count)):
                line = self.rng.choice(lines)
                positions[line.pk] += 1
                batch.append(
                    self._activity(
                        number, line, positions[line.pk], self.rng.choices(statuses, weights)[0]
                    )
                )
            Activity.objects.bulk_create(batch)
            self._links_and_footnotes(batch, actors)
            self._history(batch, statuses)
        return count

    def _action_lines(self) -> list[ActionLine]:
        for number, title in ACTION_LINES:
            ActionLine.objects.get_or_create(
                number=number, defaults={"title": title, "slug": f"actielijn-{number}"}
            )
        return list(ActionLine.objects.all())

    def _statuses(self) -> list[Status]:
        for position, (code, label, definition, colour, icon, closed, _) in enumerate(STATUSES):
            Status.objects.get_or_create(
                code=code,
                defaults={
                    "label": label,
                    "definition": definition,
                    "colour": colour,
                    "icon": icon,
                    "is_closed": closed,
                    "position": position,
                },
            )
        return [Status.objects.get(code=code) for code, *_ in STATUSES]

    def _actors(self) -> list[Actor]:
        for code, name, kind in ACTORS:
            Actor.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})
        return list(Actor.objects.all())

    def _activity(self, number: int, line: ActionLine, position: int, status: Status):
        rng = self.rng
        title = f"{rng.choice(KINDS)} {rng.choice(TOPICS)} {rng.choice(SETTINGS)}"
        updated = self.now - datetime.timedelta(days=rng.randint(0, 400), minutes=number)
        activity = Activity(
            action_line=line,
            position=position,
            title=f"{TITLE_PREFIX}{title[0].upper()}{title[1:]}",
            slug=f"{SLUG_PREFIX}{number}",
            status=status,
            timeframe_label=rng.choice(TIMEFRAMES),
            explanation=self._explanation(),
            deviates_from_plan=rng.random() < 0.15,
            created_at=updated - datetime.timedelta(days=rng.randint(30, 700)),
            updated_at=updated,
        )
        activity.apply_timeframe_label()
        return activity

    def _explanation(self) -> str:
        rng = self.rng
        paragraphs = ["Synthetische activiteit, alleen voor benchmarks en belastingtests."]
        for marker in range(1, rng.randint(2, 4)):
            sentences = rng.sample(SENTENCES, 2)
            text = " ".join(s.format(year=rng.randint(2023, 2026)) for s in sentences)
            paragraphs.append(f"{text}[^{marker}]")
        if rng.random() < 0.5:
            paragraphs.append("\n".join(f"- {item}" for item in rng.sample(BULLETS, 3)))
        return "\n\n".join(paragraphs)

    def _links_and_footnotes(self, activities: list[Activity], actors: list[Actor]) -> None:
        links, footnotes = [], []
        for activity in activities:
            chosen = self.rng.sample(actors, self.rng.randint(1, 3))
            links += [
                ActivityActor(activity=activity, actor=actor, position=position)
                for position, actor in enumerate(chosen)
            ]
            for number in range(1, activity.explanation.count("[^") + 1):
                document = self.rng.randint(1, 400)
                footnotes.append(
                    Footnote(
                        activity=activity,
                        number=number,
                        position=number,
                        text=f"Kamerstukken II 2023/24, 34843, nr. {document}.",
                        url=f"https://zoek.officielebekendmakingen.nl/kst-34843-{document}.html",
                    )
                )
        ActivityActor.objects.bulk_create(links)
        Footnote.objects.bulk_create(footnotes)

    def _history(self, activities: list[Activity], statuses: list[Status]) -> None:
        """A plausible dated status history: created with one status, maybe changed later.

        The last record of each is the activity as stored, so an edit of it can be merged.
        """
        earlier, changed, unchanged = [], [], []
        for activity in activities:
            if self.rng.random() < 0.6:
                first = copy.copy(activity)
                first._history_date = activity.created_at
                first.status_id = self.rng.choice(statuses).pk
                earlier.append(first)
                changed.append(activity)
            else:
                activity._history_date = activity.created_at
                unchanged.append(activity)
        Activity.history.bulk_history_create(earlier, batch_size=BATCH_SIZE)
        services.record_history(changed, update=True)
        services.record_history(unchanged)
