"""Spreadsheet safety shared by every CSV/XLSX the site writes.

``clean_cell`` is the one way a value becomes a cell: the overview downloads, the update
template and the report's workbook all call it, so no file can be cleaned in another order.
"""

import re

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# The characters a workbook cannot hold at all (openpyxl refuses them; Excel calls the file
# damaged). They carry no meaning in a CSV either. Tab, line feed and carriage return stay.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def escape_formula(value):
    """Make a text cell inert in Excel/LibreOffice (CSV/formula injection).

    Strings that a spreadsheet would read as a formula get a leading apostrophe. Numbers, dates
    and other non-text values are returned unchanged, so they stay numbers and dates.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def clean_cell(value):
    """A value as a safe spreadsheet cell: control characters removed, then formula-like text
    made inert. In this order only: "\\x01=HYPERLINK(...)" does not look like a formula until
    its control character is gone. Cleaning a cleaned value changes nothing."""
    if isinstance(value, str):
        # Almost no text holds a control character: looking costs less than replacing
        # (exports run to hundreds of thousands of cells).
        if CONTROL_CHARACTERS.search(value):
            value = CONTROL_CHARACTERS.sub("", value)
        return escape_formula(value)
    return value
