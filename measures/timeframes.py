"""Reading the "Wanneer" column of the progress report.

The report prints timeframes in many hand-written forms ("2023-2026", "Q1 en Q3 2024",
"Vanaf Q4 2023-2025", ...). ``parse_timeframe`` turns such a label into a start and an end
(year plus optional quarter; an open end is allowed). It is pure and never raises: a label it
cannot read comes back with ``parsed=False`` and no structure, so the label is kept as printed.
"""

import re
from dataclasses import dataclass

MIN_YEAR = 1990
MAX_YEAR = 2100

_TOKEN = re.compile(r"\s*(Q[1-4]|\d{4}|-|–|en|t/m|tot en met|vanaf)", re.IGNORECASE)


@dataclass(frozen=True)
class TimePoint:
    year: int
    quarter: int | None = None

    def sort_key(self, *, as_end: bool = False) -> tuple[int, int]:
        """Order points; a bare year starts at Q1 and ends at Q4."""
        if self.quarter is not None:
            return (self.year, self.quarter)
        return (self.year, 4 if as_end else 1)


@dataclass(frozen=True)
class Timeframe:
    label: str
    start: TimePoint | None = None
    end: TimePoint | None = None
    open_ended: bool = False

    @property
    def parsed(self) -> bool:
        return self.start is not None


def _tokenize(label: str) -> list[str] | None:
    tokens: list[str] = []
    position = 0
    text = label.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            return None
        tokens.append(match.group(1).lower().replace("–", "-"))
        position = match.end()
    return tokens


def parse_timeframe(label: str | None) -> Timeframe:
    """Parse a printed timeframe label; unreadable labels come back unparsed, never raise."""
    label = (label or "").strip()
    unparsed = Timeframe(label=label)
    tokens = _tokenize(label) if label else None
    if not tokens:
        return unparsed

    starts_open = tokens[0] == "vanaf"
    if starts_open:
        tokens = tokens[1:]

    points: list[TimePoint] = []
    pending_quarters: list[int] = []
    for token in tokens:
        if token.startswith("q"):
            pending_quarters.append(int(token[1]))
        elif token.isdigit():
            year = int(token)
            if not MIN_YEAR <= year <= MAX_YEAR:
                return unparsed
            if pending_quarters:
                points.extend(TimePoint(year, quarter) for quarter in pending_quarters)
                pending_quarters = []
            else:
                points.append(TimePoint(year))
        elif "vanaf" in token:
            return unparsed
    # A quarter with no year after it ("Q1-Q2") cannot be placed in time.
    if pending_quarters or not points:
        return unparsed

    trailing_dash = tokens[-1] == "-"
    if tokens[0] in {"-", "en", "t/m", "tot en met"}:
        return unparsed

    start, end = points[0], points[-1]
    if end.sort_key(as_end=True) < start.sort_key():
        return unparsed
    if len(points) == 1 and (starts_open or trailing_dash):
        return Timeframe(label=label, start=start, end=None, open_ended=True)
    return Timeframe(label=label, start=start, end=end)
