"""Dates as Vietnamese forms and papers write them, in one place: 14/03/1988 and
08:30 14/03/1988 (khaibao/formats; the same in English)."""

import datetime

from django.utils import formats, timezone


def date_text(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def datetime_text(value: datetime.datetime) -> str:
    """Local time (Asia/Ho_Chi_Minh) of an aware datetime."""
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
