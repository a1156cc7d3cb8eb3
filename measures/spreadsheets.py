"""Spreadsheet safety shared by every CSV/XLSX the site writes."""

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value):
    """Make a text cell inert in Excel/LibreOffice (CSV/formula injection).

    Strings that a spreadsheet would read as a formula get a leading apostrophe. Numbers, dates
    and other non-text values are returned unchanged, so they stay numbers and dates.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
