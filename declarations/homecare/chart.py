"""A patient's SpO2, temperature and pulse over the days, drawn on the server as inline
SVG: no JavaScript, a few kilobytes, readable on a cheap phone and by a screen reader.

`report_chart(reports, rules)` is shared by the citizen's history page and the
station's patient page. Three panels, each with its own scale, share one time axis;
the thresholds of the rule in force (SpO2 below, pulse above and below) are drawn as
labelled dashed lines. Every text is escaped (a patient's name is user input).
"""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

__all__ = ["report_chart"]

WIDTH = 360
LEFT = 40  # room for the scale's numbers
RIGHT = 8
PANEL_HEIGHT = 92
PANEL_GAP = 30  # room for the panel's title above it
TOP = 22
AXIS_HEIGHT = 24  # the day labels under the last panel
PLOT_WIDTH = WIDTH - LEFT - RIGHT
# Label at most this many days on the time axis (every n-th day otherwise).
MAX_DAY_LABELS = 8


@dataclass(frozen=True)
class _Threshold:
    value: float
    label: str
    code: str


@dataclass(frozen=True)
class _Series:
    code: str
    title: str
    unit: str
    decimals: int
    floor: float  # the scale shows at least floor..ceiling
    ceiling: float
    colour: str
    thresholds: tuple[_Threshold, ...]


def _number(value, decimals: int) -> str:
    return formats.number_format(value, decimals)


def _series(rules: Mapping) -> tuple[_Series, ...]:
    spo2_below = rules["spo2_below"]
    pulse_above, pulse_below = rules["pulse_above"], rules["pulse_below"]
    return (
        _Series(
            code="spo2",
            title=_("SpO2 (%)"),
            unit="%",
            decimals=0,
            floor=90,
            ceiling=100,
            colour="#0b5394",
            thresholds=(
                _Threshold(
                    spo2_below,
                    _("Dưới %(value)s%%: nguy hiểm") % {"value": spo2_below},
                    "spo2_below",
                ),
            ),
        ),
        _Series(
            code="temperature",
            title=_("Nhiệt độ (°C)"),
            unit="°C",
            decimals=1,
            floor=36,
            ceiling=39,
            colour="#b45f06",
            thresholds=(),
        ),
        _Series(
            code="pulse",
            title=_("Mạch (lần/phút)"),
            unit="",
            decimals=0,
            floor=60,
            ceiling=100,
            colour="#38761d",
            thresholds=(
                _Threshold(
                    pulse_above,
                    _("Trên %(value)s: mạch nhanh") % {"value": pulse_above},
                    "pulse_above",
                ),
                _Threshold(
                    pulse_below,
                    _("Dưới %(value)s: mạch chậm") % {"value": pulse_below},
                    "pulse_below",
                ),
            ),
        ),
    )


class _Scale:
    """Values to y inside one panel, with a margin so points sit off the edges."""

    def __init__(self, values: list[float], series: _Series, top: float):
        low = min([series.floor, *values, *(t.value for t in series.thresholds)])
        high = max([series.ceiling, *values, *(t.value for t in series.thresholds)])
        margin = (high - low) * 0.08 or 1
        self.low, self.high = low - margin, high + margin
        self.top = top

    def y(self, value: float) -> float:
        share = (value - self.low) / (self.high - self.low)
        return round(self.top + PANEL_HEIGHT * (1 - share), 1)


class _TimeAxis:
    """Measurement times to x: from the first day's midnight to the last day's end."""

    def __init__(self, first: datetime.date, last: datetime.date):
        self.first, self.last = first, last
        self.start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
        end = timezone.make_aware(
            datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min)
        )
        self.seconds = (end - self.start).total_seconds()

    def x(self, moment: datetime.datetime) -> float:
        share = (moment - self.start).total_seconds() / self.seconds
        return round(LEFT + PLOT_WIDTH * share, 1)

    def days(self) -> list[datetime.date]:
        count = (self.last - self.first).days + 1
        return [self.first + datetime.timedelta(days=n) for n in range(count)]


def _value(report, code: str) -> float:
    value = getattr(report, code)
    return float(value) if isinstance(value, Decimal) else value


def _panel(series: _Series, points: list, axis: _TimeAxis, top: float) -> list[str]:
    """One panel: frame, title, scale numbers, threshold lines, the line and its points."""
    values = [_value(report, series.code) for report in points]
    scale = _Scale(values, series, top)
    parts = [
        format_html('<g data-series="{}">', series.code),
        format_html(
            '<text x="{}" y="{}" class="kb-chart-title" font-size="12" font-weight="bold">'
            "{}</text>",
            LEFT,
            top - 8,
            series.title,
        ),
        format_html(
            '<rect x="{}" y="{}" width="{}" height="{}" fill="#fff" stroke="#999" '
            'stroke-width="0.5"/>',
            LEFT,
            top,
            PLOT_WIDTH,
            PANEL_HEIGHT,
        ),
    ]
    low_text = _number(min(values), series.decimals)
    high_text = _number(max(values), series.decimals)
    for value, text in ((min(values), low_text), (max(values), high_text)):
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="10" text-anchor="end" fill="#444">{}</text>',
                LEFT - 4,
                scale.y(value) + 3,
                text,
            )
        )
    for threshold in series.thresholds:
        y = scale.y(threshold.value)
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#cc0000" stroke-width="1" '
                'stroke-dasharray="4 3" data-threshold="{}" data-value="{}"/>',
                LEFT,
                LEFT + PLOT_WIDTH,
                y,
                y,
                threshold.code,
                threshold.value,
            )
        )
        # The label sits above the line, inside the panel (below it when at the top).
        label_y = y - 3 if y - 12 > top else y + 11
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="10" text-anchor="end" fill="#cc0000">{}</text>',
                LEFT + PLOT_WIDTH - 3,
                label_y,
                threshold.label,
            )
        )
    coordinates = [
        (axis.x(report.measured_at), scale.y(value))
        for report, value in zip(points, values, strict=True)
    ]
    if len(coordinates) > 1:
        parts.append(
            format_html(
                '<polyline fill="none" stroke="{}" stroke-width="1.5" points="{}"/>',
                series.colour,
                " ".join(f"{x},{y}" for x, y in coordinates),
            )
        )
    for report, value, (x, y) in zip(points, values, coordinates, strict=True):
        local = timezone.localtime(report.measured_at)
        danger = _is_danger(series, value)
        parts.append(
            format_html(
                '<circle cx="{}" cy="{}" r="{}" fill="{}" data-at="{}" data-value="{}">'
                "<title>{} {}: {}{}</title></circle>",
                x,
                y,
                4 if danger else 3,
                "#cc0000" if danger else series.colour,
                local.strftime("%Y-%m-%dT%H:%M"),
                f"{value:.{series.decimals}f}",
                local.strftime("%H:%M"),
                formats.date_format(local.date(), "SHORT_DATE_FORMAT"),
                _number(value, series.decimals),
                series.unit,
            )
        )
    parts.append(mark_safe("</g>"))
    return parts


def _is_danger(series: _Series, value: float) -> bool:
    for threshold in series.thresholds:
        if threshold.code.endswith("_below") and value < threshold.value:
            return True
        if threshold.code.endswith("_above") and value > threshold.value:
            return True
    return False


def _day_labels(axis: _TimeAxis, top: float) -> list[str]:
    days = axis.days()
    step = max(1, -(-len(days) // MAX_DAY_LABELS))
    parts = []
    for index, day in enumerate(days):
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        x = axis.x(moment)
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#ddd" stroke-width="0.5"/>',
                x,
                x,
                TOP,
                top,
            )
        )
        if index % step == 0:
            noon = axis.x(moment + datetime.timedelta(hours=12))
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="10" text-anchor="middle" fill="#444" '
                    'data-day="{}">{}</text>',
                    noon,
                    top + 14,
                    day.isoformat(),
                    day.strftime("%d/%m"),
                )
            )
    return parts


def _description(reports: list, rules: Mapping) -> str:
    spo2 = [report.spo2 for report in reports]
    pulse = [report.pulse for report in reports]
    temperature = [report.temperature for report in reports]
    first = timezone.localtime(reports[0].measured_at).date()
    last = timezone.localtime(reports[-1].measured_at).date()
    return _(
        "%(count)s lần đo từ %(first)s đến %(last)s. SpO2 từ %(spo2_low)s%% đến "
        "%(spo2_high)s%% (nguy hiểm khi dưới %(spo2_below)s%%). Nhiệt độ từ %(t_low)s đến "
        "%(t_high)s °C. Mạch từ %(p_low)s đến %(p_high)s lần/phút (nguy hiểm khi trên "
        "%(pulse_above)s hoặc dưới %(pulse_below)s)."
    ) % {
        "count": len(reports),
        "first": formats.date_format(first, "SHORT_DATE_FORMAT"),
        "last": formats.date_format(last, "SHORT_DATE_FORMAT"),
        "spo2_low": min(spo2),
        "spo2_high": max(spo2),
        "spo2_below": rules["spo2_below"],
        "t_low": _number(min(temperature), 1),
        "t_high": _number(max(temperature), 1),
        "p_low": min(pulse),
        "p_high": max(pulse),
        "pulse_above": rules["pulse_above"],
        "pulse_below": rules["pulse_below"],
    }


def report_chart(reports: Iterable, rules: Mapping, *, name: str | None = None) -> SafeString:
    """The SVG chart of `reports` (DailyReport rows, oldest first) judged by `rules` (the
    home-care RulesInForce, or any mapping with spo2_below, pulse_above, pulse_below).

    The chart's title names the patient: `name`, or the first report's patient's name
    (select_related("patient__person") saves the two queries). No report: a short
    paragraph instead of an empty chart.
    """
    reports = list(reports)
    if not reports:
        return format_html(
            '<p class="kb-chart-empty">{}</p>', _("Chưa có báo cáo nào để vẽ biểu đồ.")
        )
    if name is None:
        name = reports[0].patient.person.full_name
    first = timezone.localtime(reports[0].measured_at).date()
    last = timezone.localtime(reports[-1].measured_at).date()
    axis = _TimeAxis(min(first, last), max(first, last))
    all_series = _series(rules)
    height = TOP + len(all_series) * (PANEL_HEIGHT + PANEL_GAP) - PANEL_GAP + AXIS_HEIGHT
    title = _("Diễn biến SpO2, nhiệt độ và mạch của %(name)s") % {"name": name}
    parts = [
        format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" class="kb-chart" viewBox="0 0 {} {}" '
            'width="100%" role="img" aria-labelledby="kb-chart-title kb-chart-desc" '
            'font-family="sans-serif">',
            WIDTH,
            height,
        ),
        format_html('<title id="kb-chart-title">{}</title>', title),
        format_html('<desc id="kb-chart-desc">{}</desc>', _description(reports, rules)),
    ]
    top = TOP
    for series in all_series:
        parts.extend(_panel(series, reports, axis, top))
        top += PANEL_HEIGHT + PANEL_GAP
    parts.extend(_day_labels(axis, top - PANEL_GAP))
    parts.append(mark_safe("</svg>"))
    # Every part is built by format_html (its values escaped) or is a fixed tag.
    return mark_safe("".join(parts))
