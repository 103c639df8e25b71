"""One key per telephone number, however it was written.

The PBX reports `+6281234567890`, a call-taker types `0812-3456-7890`, a handset's AML SMS says
`6281234567890`: the same caller. Caller history, duplicate detection and AML matching compare the
*national significant number* — digits only, without the `+62` / `0062` / `62` country prefix or the
trunk `0` — so every spelling of one number finds the others.

The key is a column PostgreSQL computes from `caller_number` (a stored generated column, indexed), so
it can never drift from the number, whichever code path or fixture wrote the row; `caller_key()` computes
the same key in Python for the value being looked up. Both use the same two regular expressions.
"""
import re

from django.db import models

DIGITS_SQL = r"\D"
PREFIX_SQL = r"^(0062|62|0)"
_NON_DIGITS = re.compile(DIGITS_SQL)
_PREFIX = re.compile(PREFIX_SQL)

# Shorter keys (emergency short codes, a mistyped fragment) are not a caller's identity.
MIN_KEY_LENGTH = 5


def caller_key(number: str) -> str:
    """'0812-3456 7890', '+62812…', '62812…', '0062812…' → '812…'."""
    return _PREFIX.sub("", _NON_DIGITS.sub("", number or ""), count=1)


def caller_lookup(number: str) -> tuple[str, str]:
    """The column and value that name one caller: ("caller_key", key) for a real number, else the number as
    typed in ("caller_number", …) — a short code or fragment is only ever itself."""
    number = (number or "").strip()
    key = caller_key(number)
    return ("caller_key", key) if len(key) >= MIN_KEY_LENGTH else ("caller_number", number)


def caller_key_expression(field: str = "caller_number"):
    """The SQL twin of caller_key(), for a GeneratedField (both regexp_replace calls are immutable)."""
    digits = models.Func(models.F(field), models.Value(DIGITS_SQL), models.Value(""), models.Value("g"), function="regexp_replace")
    return models.Func(digits, models.Value(PREFIX_SQL), models.Value(""), function="regexp_replace", output_field=models.CharField())
