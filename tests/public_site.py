"""A small public data set for the page tests: the real status list, three action lines,
three actors, and as many activities as a test asks for (with actors, footnotes, history)."""

from dataclasses import dataclass, field

from actionlines.models import ActionLine
from measures.models import Activity, Actor, Status
from tests.factories import make_action_line, make_activity, make_actor, make_status

STATUSES = [
    ("nog-niet-gestart", "Nog niet gestart", "○"),
    ("loopt", "Loopt", "▶"),
    ("vertraagd", "Vertraagd", "!"),
    ("afgerond", "Afgerond", "✓"),
    ("doorlopend", "Doorlopend", "∞"),
    ("niet-voortgezet", "Niet voortgezet", "×"),
]
TIMEFRAMES = ["2023-2026", "Q1 en Q3 2024", "Vanaf 2022", "2025", "2023-", "niet bekend"]


@dataclass
class PublicSite:
    action_lines: list[ActionLine]
    statuses: dict[str, Status]
    actors: list[Actor]
    activities: list[Activity] = field(default_factory=list)

    def add_activities(self, count: int) -> list[Activity]:
        """Spread new activities over the lines, statuses and actors, in a fixed pattern."""
        statuses = list(self.statuses.values())
        added = []
        for _ in range(count):
            n = len(self.activities)
            activity = make_activity(
                action_line=self.action_lines[n % len(self.action_lines)],
                status=statuses[n % len(statuses)],
                actors=tuple(self.actors[: 1 + n % len(self.actors)]),
                footnotes=("Kamerstukken II 2023/24, 34843, nr. 1.", "Zie ook de monitor."),
                timeframe_label=TIMEFRAMES[n % len(TIMEFRAMES)],
                title=f"Maatregelen nummer {n}",
                explanation=f"Toelichting bij maatregel {n}.[^1]\n\n- eerste punt\n- tweede[^2]",
            )
            if n % 3 == 0:  # some activities changed status once
                activity.status = statuses[(n + 1) % len(statuses)]
                activity.save()
            self.activities.append(activity)
            added.append(activity)
        return added


def make_public_site(activities: int = 0) -> PublicSite:
    site = PublicSite(
        action_lines=[
            make_action_line(1, title="Er zijn gedeelde maatschappelijke waarden en normen"),
            make_action_line(2, title="Wet- en regelgeving weerspiegelen de normen"),
            make_action_line(3, title="Organisaties hebben processen op orde"),
        ],
        statuses={
            code: make_status(code, label=label, icon=icon, position=position)
            for position, (code, label, icon) in enumerate(STATUSES)
        },
        actors=[
            make_actor("OCW", name="Ministerie van Onderwijs, Cultuur en Wetenschap"),
            make_actor("SZW", name="Ministerie van Sociale Zaken en Werkgelegenheid"),
            make_actor("JenV", name="Ministerie van Justitie en Veiligheid"),
        ],
    )
    site.add_activities(activities)
    return site
