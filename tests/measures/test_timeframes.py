import pytest

from measures.timeframes import TimePoint, parse_timeframe


@pytest.mark.parametrize(
    ("label", "start", "end", "open_ended"),
    [
        ("2024", TimePoint(2024), TimePoint(2024), False),
        ("2023-2026", TimePoint(2023), TimePoint(2026), False),
        ("2023- 2026", TimePoint(2023), TimePoint(2026), False),
        ("2023-", TimePoint(2023), None, True),
        ("Vanaf 2022", TimePoint(2022), None, True),
        ("Q42024", TimePoint(2024, 4), TimePoint(2024, 4), False),
        ("Q4 2024", TimePoint(2024, 4), TimePoint(2024, 4), False),
        ("Q1 en Q3 2024", TimePoint(2024, 1), TimePoint(2024, 3), False),
        ("Q1enQ3 2024", TimePoint(2024, 1), TimePoint(2024, 3), False),
        ("Q4 2024 en Q1 2025", TimePoint(2024, 4), TimePoint(2025, 1), False),
        ("Q4 2024 - Q1 2025", TimePoint(2024, 4), TimePoint(2025, 1), False),
        ("Q3 2022-Q3 2024", TimePoint(2022, 3), TimePoint(2024, 3), False),
        ("Q3 2022-Q3\n2024", TimePoint(2022, 3), TimePoint(2024, 3), False),
        ("Q1-Q2 2024", TimePoint(2024, 1), TimePoint(2024, 2), False),
        ("Q1 2023 en 2025", TimePoint(2023, 1), TimePoint(2025), False),
        ("Vanaf Q4 2023-2025", TimePoint(2023, 4), TimePoint(2025), False),
        ("2022-2031", TimePoint(2022), TimePoint(2031), False),
        ("2023 – 2026", TimePoint(2023), TimePoint(2026), False),
    ],
)
def test_every_printed_form_is_read(label, start, end, open_ended):
    timeframe = parse_timeframe(label)

    assert timeframe.parsed
    assert timeframe.label == label.strip()
    assert (timeframe.start, timeframe.end, timeframe.open_ended) == (start, end, open_ended)


@pytest.mark.parametrize(
    "label",
    ["", "   ", None, "doorlopend", "Q1", "Q1-Q2", "2026-2023", "Q3 2024-Q1 2024", "1850", "2024?"],
)
def test_unreadable_labels_are_kept_without_structure(label):
    timeframe = parse_timeframe(label)

    assert not timeframe.parsed
    assert timeframe.start is None and timeframe.end is None
    assert timeframe.label == (label or "").strip()
