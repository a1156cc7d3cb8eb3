"""What changed between two reports, activity by activity and field by field.

The comparison works on plain records (dicts) of two snapshots, so that the data migration
that stored the changes of reports published before can use it, and its result is plain data
(``Change.as_dict``) that a published report stores: what was published as "changed" never
changes afterwards, whatever becomes of this code.
"""

import difflib
import re
from collections import Counter
from dataclasses import asdict, dataclass
from typing import NamedTuple

from measures.models import FOOTNOTE_MARKER

from .templatetags.report_tags import dutch_list

_WHITESPACE = re.compile(r"\s+")


def _normalised(text: str) -> str:
    return _WHITESPACE.sub(" ", text or "").strip()


class Kind(NamedTuple):
    """One kind of change, with everything the annex says about it."""

    code: str
    heading: str
    row_label: str  # in the workbook's "wijziging" column
    singular: str  # "1 statuswijziging"
    plural: str  # "3 statuswijzigingen"
    none: str  # said when there is none of this kind
    old_header: str | None  # column of the older value, None when there is none
    new_header: str | None

    @property
    def anchor(self) -> str:
        return f"wijzigingen-{self.code}"


# In the order the annex lists them.
KINDS = (
    Kind(
        "status",
        "Statuswijzigingen",
        "Status gewijzigd",
        "statuswijziging",
        "statuswijzigingen",
        "Geen activiteit heeft een andere status gekregen.",
        "Was",
        "Is nu",
    ),
    Kind(
        "wanneer",
        "Wanneer: opnieuw gepland",
        "Wanneer gewijzigd",
        "activiteit opnieuw gepland (Wanneer)",
        "activiteiten opnieuw gepland (Wanneer)",
        "Geen activiteit is opnieuw gepland.",
        "Was",
        "Is nu",
    ),
    Kind(
        "wie",
        "Wie: andere verantwoordelijken",
        "Wie gewijzigd",
        "wijziging in Wie",
        "wijzigingen in Wie",
        "Bij geen activiteit is Wie veranderd.",
        "Was",
        "Is nu",
    ),
    Kind(
        "afwijking",
        "Afwijking van de planning",
        "Afwijking van de planning gewijzigd",
        "wijziging in afwijking van de planning",
        "wijzigingen in afwijking van de planning",
        "Geen activiteit wijkt nu wel of niet meer af van de planning.",
        "Was",
        "Is nu",
    ),
    Kind(
        "titel",
        "Nieuwe titels",
        "Titel gewijzigd",
        "nieuwe titel",
        "nieuwe titels",
        "Geen activiteit heeft een andere titel gekregen.",
        "Was",
        "Is nu",
    ),
    Kind(
        "toelichting",
        "Herschreven toelichtingen",
        "Toelichting herschreven",
        "toelichting herschreven",
        "toelichtingen herschreven",
        "Geen toelichting is herschreven.",
        "Was",
        "Is nu",
    ),
    Kind(
        "voetnoten",
        "Voetnoten toegevoegd of vervallen",
        "Voetnoten gewijzigd",
        "wijziging in voetnoten",
        "wijzigingen in voetnoten",
        "Bij geen activiteit zijn voetnoten toegevoegd of vervallen.",
        "Vervallen",
        "Toegevoegd",
    ),
    Kind(
        "nieuw",
        "Nieuwe activiteiten",
        "Nieuw",
        "nieuwe activiteit",
        "nieuwe activiteiten",
        "Er zijn geen activiteiten bijgekomen.",
        None,
        "Status",
    ),
    Kind(
        "vervallen",
        "Niet meer opgenomen",
        "Niet meer opgenomen",
        "niet meer opgenomen",
        "niet meer opgenomen",
        "Alle activiteiten uit de eerdere rapportage staan er nog in.",
        "Laatste status",
        None,
    ),
)
KINDS_BY_CODE = {kind.code: kind for kind in KINDS}


class StatusValue(NamedTuple):
    """A status as the report printed it: what a status change stores of either side."""

    code: str
    label: str
    icon: str


def entry_record(entry) -> dict:
    """A snapshot row (a ReportEntry, or the migration's historical one) as a plain record."""
    return {
        "activity_pk": entry.activity_pk,
        "title": entry.title,
        "section_number": entry.section.number,
        "section_title": entry.section.title,
        "status": {
            "code": entry.status.code,
            "label": entry.status.label,
            "icon": entry.status.icon,
        },
        "timeframe_label": entry.timeframe_label,
        "actors": list(entry.actors),
        "explanation": entry.explanation,
        "footnotes": [{"text": f["text"], "url": f.get("url", "")} for f in entry.footnotes],
        "deviates_from_plan": entry.deviates_from_plan,
    }


def word_diff(old: str, new: str) -> list[list[str]]:
    """The explanation as [kind, text] pieces: kind is "same", "removed" or "added"."""
    # Footnote markers read as "[12]" here; the diff is text, not links.
    old_words = FOOTNOTE_MARKER.sub(r"[\1]", old).split()
    new_words = FOOTNOTE_MARKER.sub(r"[\1]", new).split()
    pieces = []
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for operation, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if operation == "equal":
            pieces.append(["same", " ".join(new_words[new_start:new_end])])
            continue
        if old_end > old_start:
            pieces.append(["removed", " ".join(old_words[old_start:old_end])])
        if new_end > new_start:
            pieces.append(["added", " ".join(new_words[new_start:new_end])])
    return pieces


def _footnote_key(footnote: dict) -> tuple[str, str]:
    return _normalised(footnote["text"]), footnote.get("url", "").strip()


def _field_changes(old: dict, new: dict) -> list[dict]:
    """The changes of one activity in both reports, in the annex's order of kinds.

    Whitespace alone (a reflowed text) is no change; the order of Wie and of footnotes neither:
    who is responsible and which sources are cited is what a reader asks about.
    """
    changes = []
    if old["status"]["code"] != new["status"]["code"]:
        changes.append(("status", old["status"], new["status"]))
    if _normalised(old["timeframe_label"]) != _normalised(new["timeframe_label"]):
        changes.append(("wanneer", old["timeframe_label"], new["timeframe_label"]))
    old_codes = {actor["code"] for actor in old["actors"]}
    if old_codes != {actor["code"] for actor in new["actors"]}:
        changes.append(("wie", old["actors"], new["actors"]))
    if old["deviates_from_plan"] != new["deviates_from_plan"]:
        changes.append(("afwijking", old["deviates_from_plan"], new["deviates_from_plan"]))
    if _normalised(old["title"]) != _normalised(new["title"]):
        changes.append(("titel", old["title"], new["title"]))
    if _normalised(old["explanation"]) != _normalised(new["explanation"]):
        changes.append(("toelichting", old["explanation"], new["explanation"]))
    old_notes = Counter(map(_footnote_key, old["footnotes"]))
    new_notes = Counter(map(_footnote_key, new["footnotes"]))
    if old_notes != new_notes:
        removed = [f for f in old["footnotes"] if _footnote_key(f) in old_notes - new_notes]
        added = [f for f in new["footnotes"] if _footnote_key(f) in new_notes - old_notes]
        changes.append(("voetnoten", removed, added))
    return [
        _change(kind, new, old_value, new_value)
        | ({"diff": word_diff(old_value, new_value)} if kind == "toelichting" else {})
        for kind, old_value, new_value in changes
    ]


def _change(kind: str, record: dict, old, new) -> dict:
    return {
        "kind": kind,
        "activity_pk": record["activity_pk"],
        "title": record["title"],
        "section_number": record["section_number"],
        "section_title": record["section_title"],
        "old": old,
        "new": new,
    }


def compare_snapshots(older: list[dict], newer: list[dict]) -> list[dict]:
    """Every change from the older snapshot's records to the newer one's, as plain dicts.

    Activities are matched on their identity (the live activity's id), so a renamed activity
    is the same activity with a new title. Changes follow the newer report's order; the
    activities no longer listed follow, in the older report's order.
    """
    old_records = {record["activity_pk"]: record for record in older}
    new_pks = {record["activity_pk"] for record in newer}
    changes = []
    for record in newer:
        old = old_records.get(record["activity_pk"])
        if old is None:
            changes.append(_change("nieuw", record, None, record["status"]))
        else:
            changes.extend(_field_changes(old, record))
    for record in older:
        if record["activity_pk"] not in new_pks:
            changes.append(_change("vervallen", record, record["status"], None))
    return changes


@dataclass(frozen=True)
class Change:
    """One change a reader of the annex cares about (stored as ``as_dict()`` at publication).

    ``old`` and ``new`` depend on the kind: a status (StatusValue); Wanneer, title or
    explanation text; Wie as actor dicts; a bool for the deviation; for footnotes the ones
    removed (``old``) and added (``new``). New activities have only ``new`` (their status),
    activities no longer listed only ``old`` (their last status).
    """

    kind: str
    activity_pk: int
    title: str
    section_number: int
    section_title: str
    old: object = None
    new: object = None
    diff: tuple = ()  # explanation only: the word diff, as [kind, text] pieces

    @classmethod
    def from_dict(cls, data: dict) -> "Change":
        values = dict(data)
        for side in ("old", "new"):
            if isinstance(values.get(side), dict):  # a status
                values[side] = StatusValue(**values[side])
        values["diff"] = tuple(tuple(piece) for piece in values.get("diff", ()))
        return cls(**values)

    def as_dict(self) -> dict:
        data = asdict(self)
        for side in ("old", "new"):
            if isinstance(getattr(self, side), StatusValue):
                data[side] = getattr(self, side)._asdict()
        data["diff"] = [list(piece) for piece in self.diff]
        if self.kind != "toelichting":
            del data["diff"]
        return data

    @property
    def kind_info(self) -> Kind:
        return KINDS_BY_CODE[self.kind]

    @property
    def actors_added(self) -> list[str]:
        old = {actor["code"] for actor in self.old}
        return [actor["code"] for actor in self.new if actor["code"] not in old]

    @property
    def actors_removed(self) -> list[str]:
        new = {actor["code"] for actor in self.new}
        return [actor["code"] for actor in self.old if actor["code"] not in new]

    def text(self, side: str) -> str:
        """The older or newer value as plain text (workbook and Word)."""
        value = getattr(self, side)
        if value is None:
            return ""
        if self.kind == "wie":
            return dutch_list([actor["code"] for actor in value])
        if self.kind == "afwijking":
            return deviation_text(value)
        if self.kind == "voetnoten":
            return "\n".join(
                " ".join(filter(None, [footnote["text"], footnote.get("url", "")]))
                for footnote in value
            )
        if isinstance(value, StatusValue):
            return value.label
        return value or "–"  # an empty Wanneer


def deviation_text(deviates: bool) -> str:
    return "wijkt af van de planning" if deviates else "volgens de planning"


@dataclass(frozen=True)
class KindChanges:
    kind: Kind
    changes: list[Change]

    @property
    def count_label(self) -> str:
        return self.kind.singular if len(self.changes) == 1 else self.kind.plural
