import datetime
from decimal import Decimal

import pytest

from measures.spreadsheets import escape_formula


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
        ("+31 70 123", "'+31 70 123"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tgevaar", "'\tgevaar"),
        ("\rgevaar", "'\rgevaar"),
        ("Publiekscampagne", "Publiekscampagne"),
        ("", ""),
    ],
)
def test_text_that_a_spreadsheet_would_run_is_made_inert(value, expected):
    assert escape_formula(value) == expected


@pytest.mark.parametrize(
    "value", [-5, 3.5, Decimal("-1.25"), datetime.date(2025, 5, 1), None, True]
)
def test_numbers_and_dates_stay_what_they_are(value):
    assert escape_formula(value) == value
