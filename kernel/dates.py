import datetime

from django.utils import dateformat
from django.utils.formats import get_format
from django.utils.translation import get_language


def date_format(value: datetime.date | datetime.datetime, format_name: str = "DATE_FORMAT") -> str:
    """Django's date_format, with French's "1er" for the first day of a month, which its
    format strings cannot express. format_name is a setting name ("DATE_FORMAT") or a
    format string ("j F")."""
    pattern = get_format(format_name)
    if value.day == 1 and (get_language() or "").startswith("fr"):
        pattern = first_day_as_ordinal(pattern)
    return dateformat.format(value, pattern)


def first_day_as_ordinal(pattern: str) -> str:
    # "j" is the day without a leading zero; "\e\r" are two escaped literal letters.
    index = 0
    while index < len(pattern):
        if pattern[index] == "\\":
            index += 2
            continue
        if pattern[index] == "j":
            return pattern[: index + 1] + r"\e\r" + pattern[index + 1 :]
        index += 1
    return pattern
