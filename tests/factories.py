"""Small builders for test data. Plain functions: each test states what it needs."""

import itertools

from actionlines.models import ActionLine
from measures.models import Activity, ActivityActor, Actor, ActorKind, Footnote, Status

_counter = itertools.count(1)


def make_action_line(number: int | None = None, **fields) -> ActionLine:
    number = number if number is not None else next(_counter)
    defaults = {"title": f"Actielijn {number}", "slug": f"actielijn-{number}"}
    return ActionLine.objects.create(number=number, **{**defaults, **fields})


def make_status(code: str = "loopt", **fields) -> Status:
    defaults = {
        "label": code.replace("-", " ").capitalize(),
        "definition": f"Definitie van {code}.",
        "position": next(_counter),
    }
    return Status.objects.create(code=code, **{**defaults, **fields})


def make_actor(code: str = "OCW", **fields) -> Actor:
    defaults = {"name": f"Ministerie {code}", "kind": ActorKind.MINISTRY}
    return Actor.objects.create(code=code, **{**defaults, **fields})


def make_activity(
    *,
    action_line: ActionLine,
    status: Status,
    actors: tuple[Actor, ...] = (),
    timeframe_label: str = "2023-2026",
    footnotes: tuple[str, ...] = (),
    **fields,
) -> Activity:
    n = next(_counter)
    defaults = {
        "title": f"Activiteit {n}",
        "slug": f"activiteit-{n}",
        "position": n,
        "explanation": f"Toelichting bij activiteit {n}.",
    }
    activity = Activity(
        action_line=action_line,
        status=status,
        timeframe_label=timeframe_label,
        **{**defaults, **fields},
    )
    activity.apply_timeframe_label()
    activity.save()
    for position, actor in enumerate(actors):
        ActivityActor.objects.create(activity=activity, actor=actor, position=position)
    for position, text in enumerate(footnotes, start=1):
        Footnote.objects.create(activity=activity, number=position, position=position, text=text)
    return activity
