import datetime

import pytest
from django.core.cache import cache

from measures.models import Activity
from reporting.models import ProgressReport
from tests.factories import make_action_line, make_activity, make_actor, make_status


@pytest.fixture(autouse=True)
def empty_cache():
    """Published PDFs are cached; every test starts without."""
    cache.clear()


@pytest.fixture
def statuses(db):
    return {
        "nog-niet-gestart": make_status("nog-niet-gestart", label="Nog niet gestart", icon="○"),
        "loopt": make_status("loopt", label="Loopt", icon="→"),
        "vertraagd": make_status("vertraagd", label="Vertraagd", icon="!"),
        "afgerond": make_status("afgerond", label="Afgerond", icon="✓", is_closed=True),
    }


@pytest.fixture
def nap(statuses):
    """Two action lines with a handful of activities, footnotes and actors, as in the annex."""
    norms = make_action_line(1, title="Er zijn gedeelde maatschappelijke waarden en normen")
    laws = make_action_line(2, title="Wet- en regelgeving weerspiegelen de normen")
    ocw = make_actor("OCW", name="Ministerie van Onderwijs, Cultuur en Wetenschap")
    szw = make_actor("SZW", name="Ministerie van Sociale Zaken en Werkgelegenheid")
    jenv = make_actor("JenV", name="Ministerie van Justitie en Veiligheid")
    return {
        "campaign": make_activity(
            action_line=norms,
            status=statuses["loopt"],
            actors=(ocw, szw, jenv),
            title="Publiekscampagne",
            timeframe_label="Q1 en Q3 2024",
            explanation="De campagne liep in 2024[^1].\n\nZij wordt geëvalueerd[^2].",
            footnotes=("Kamerstukken II 2023/24, 34843, nr. 100", "Zie de evaluatie"),
        ),
        "monitor": make_activity(
            action_line=norms,
            status=statuses["nog-niet-gestart"],
            actors=(ocw,),
            title="Publieksmonitor",
            timeframe_label="2025-2026",
            explanation="De eerste meting volgt[^1].",
            footnotes=("Kamerstukken II 2024/25, 34843, nr. 110",),
        ),
        "act4respect": make_activity(
            action_line=laws,
            status=statuses["vertraagd"],
            actors=(jenv,),
            title="Act4Respect",
            timeframe_label="Vanaf 2023",
            explanation="Het wetsvoorstel ligt bij de Raad van State.",
        ),
        "hidden": make_activity(
            action_line=laws, status=statuses["loopt"], title="Intern overleg", is_public=False
        ),
    }


@pytest.fixture
def draft(db):
    return ProgressReport.objects.create(
        title="Voortgangsrapportage NAP 2025",
        slug="voortgangsrapportage-nap-2025",
        reference_date=datetime.date.today(),
        introduction="Dit is de inleiding.",
    )


def public_titles() -> list[str]:
    return list(Activity.objects.published().values_list("title", flat=True))
