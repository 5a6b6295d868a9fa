"""The 3-hour rule in the admin: lateness with a frozen clock, a lab's timeliness page
and the province's table."""

import datetime

import time_machine
from django.urls import reverse
from django.utils import timezone

from declarations.labresults.timeliness import percentile
from tests.factories import make_staff

from .factories import make_lab, record

TIMELINESS = "admin:declarations_labresult_timeliness"
NOW = datetime.datetime(2026, 11, 21, 15, 0, tzinfo=datetime.UTC)


def _entered(lab, *, area, sample_id, delay: datetime.timedelta, phone="0912345678"):
    """A result resulted at NOW - 1 day, entered `delay` after it (a frozen clock)."""
    resulted = NOW - datetime.timedelta(days=1)
    with time_machine.travel(resulted + delay, tick=False):
        return record(
            lab,
            area=area,
            sample_id=sample_id,
            sampled_at=resulted - datetime.timedelta(hours=1),
            resulted_at=resulted,
            phone=phone,
        ).result


def _range() -> dict:
    day = timezone.localdate(NOW - datetime.timedelta(days=1))
    return {"date_from": day.isoformat(), "date_to": day.isoformat()}


def test_entered_3h01_after_the_result_is_late_and_2h59_is_not(lab_a, ward1):
    late = _entered(lab_a, area=ward1, sample_id="L", delay=datetime.timedelta(hours=3, minutes=1))
    on_time = _entered(
        lab_a, area=ward1, sample_id="T", delay=datetime.timedelta(hours=2, minutes=59)
    )

    assert late.is_late and late.delay_seconds == 3 * 3600 + 60
    assert not on_time.is_late and on_time.delay_seconds == 2 * 3600 + 59 * 60


def test_lab_page_counts_late_results_and_delays(client, lab_a, lab_b, lab_a_staff, ward1):
    for number, minutes in enumerate([30, 60, 120, 200, 250]):
        _entered(
            lab_a,
            area=ward1,
            sample_id=f"A-{number}",
            delay=datetime.timedelta(minutes=minutes),
        )
    _entered(lab_b, area=ward1, sample_id="B-0", delay=datetime.timedelta(hours=10))
    client.force_login(lab_a_staff)

    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse(TIMELINESS), _range())

    stats = response.context["stats"]
    assert response.status_code == 200
    assert (stats.results, stats.late) == (5, 2)
    assert stats.median_seconds == 120 * 60
    assert stats.p95_seconds == percentile([30, 60, 120, 200, 250], 0.95) * 60
    assert "2 giờ 00 phút" in response.text  # the median
    late_listed = [r.sample_id for r in response.context["late_results"]]
    assert late_listed == ["A-4", "A-3"]
    assert "B-0" not in response.text


def test_province_table_lists_every_lab(
    client, superuser, province, lab_a, lab_b, ward1, province_admin
):
    quiet = make_lab(by=superuser, area=province, code="XN-Q", name="Phòng xét nghiệm Q")
    _entered(lab_a, area=ward1, sample_id="A-0", delay=datetime.timedelta(hours=1))
    _entered(lab_a, area=ward1, sample_id="A-1", delay=datetime.timedelta(hours=4))
    _entered(lab_b, area=ward1, sample_id="B-0", delay=datetime.timedelta(hours=5))
    client.force_login(province_admin)

    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse(TIMELINESS), _range())

    rows = {row["lab"].pk: row for row in response.context["rows"]}
    assert set(rows) == {lab_a.pk, lab_b.pk, quiet.pk}
    assert (rows[lab_a.pk]["stats"].results, rows[lab_a.pk]["stats"].late) == (2, 1)
    assert rows[lab_a.pk]["stats"].median_seconds == 2.5 * 3600
    assert rows[lab_a.pk]["median"] == "2 giờ 30 phút"
    assert (rows[lab_b.pk]["stats"].results, rows[lab_b.pk]["stats"].late) == (1, 1)
    assert rows[quiet.pk]["stats"].results == 0 and rows[quiet.pk]["median"] == "—"


def test_province_table_query_count_is_constant(
    client, superuser, province, lab_a, ward1, province_admin, django_assert_max_num_queries
):
    _entered(lab_a, area=ward1, sample_id="A-0", delay=datetime.timedelta(hours=1))
    client.force_login(province_admin)
    with time_machine.travel(NOW, tick=False):
        with django_assert_max_num_queries(30) as few:
            client.get(reverse(TIMELINESS), _range())
        for number in range(4):
            lab = make_lab(by=superuser, area=province, code=f"XN-{number}", name=f"XN {number}")
            _entered(lab, area=ward1, sample_id=f"S-{number}", delay=datetime.timedelta(hours=1))
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = client.get(reverse(TIMELINESS), _range())
    assert len(response.context["rows"]) == 5


def test_province_admin_opens_a_labs_page_but_not_another_provinces_lab(
    client, superuser, other_province, lab_a, province_admin
):
    other_lab = make_lab(by=superuser, area=other_province, code="XN-HN", name="XN Hà Nội")
    client.force_login(province_admin)

    own = client.get(reverse(TIMELINESS), {"lab": lab_a.pk})
    other = client.get(reverse(TIMELINESS), {"lab": other_lab.pk})

    assert own.status_code == 200 and own.context["lab"] == lab_a
    assert other.status_code == 404


def test_lab_staff_always_see_their_own_lab(client, lab_a, lab_b, lab_a_staff):
    client.force_login(lab_a_staff)

    response = client.get(reverse(TIMELINESS), {"lab": lab_b.pk})

    assert response.context["lab"] == lab_a


def test_a_reversed_range_is_refused_in_vietnamese(client, lab_a_staff):
    client.force_login(lab_a_staff)

    response = client.get(reverse(TIMELINESS), {"date_from": "2026-11-20", "date_to": "2026-11-01"})

    assert response.status_code == 400
    assert "Ngày kết thúc phải sau ngày bắt đầu." in response.text


def test_other_provinces_admin_does_not_see_this_provinces_labs(
    client, superuser, other_province, lab_a
):
    other_admin = make_staff(
        username="so-y-te-ha-noi", role="province_admin", area=other_province, by=superuser
    )
    client.force_login(other_admin)

    response = client.get(reverse(TIMELINESS))

    assert lab_a.pk not in {row["lab"].pk for row in response.context["rows"]}
