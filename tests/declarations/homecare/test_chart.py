"""The history chart (inline SVG, no JavaScript) and the history page: every report's
point on its day, the thresholds of the rule in force where the rule puts them, a short
message for no report, and every text escaped."""

import datetime
import uuid
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.urls import reverse

from declarations.homecare.chart import report_chart
from declarations.homecare.scoring import Reading
from declarations.homecare.selectors import reports_of
from declarations.homecare.services import homecare_rules, report_submit
from khaibao.people.services import person_update
from tests.declarations.homecare.conftest import MORNING, enrol

SVG = "{http://www.w3.org/2000/svg}"
YESTERDAY = MORNING - datetime.timedelta(days=1, minutes=30)  # 07:30 on 20/11
TODAY = MORNING - datetime.timedelta(minutes=15)  # 07:45 on 21/11


@pytest.fixture(autouse=True)
def clock(morning):
    return morning


def file_report(patient, account, *, at, spo2=98, pulse=80, temperature="37.0", **changes):
    return report_submit(
        patient=patient,
        account=account,
        reading=Reading(
            temperature=Decimal(temperature),
            spo2=spo2,
            pulse=pulse,
            breathing_rate=16,
            **changes,
        ),
        measured_at=at,
        submission_key=uuid.uuid4(),
    )


def chart_of(patient, **kwargs) -> ET.Element:
    """The chart as parsed XML: it must be well-formed to be read at all."""
    svg = report_chart(reports_of(patient), homecare_rules(patient), **kwargs)
    return ET.fromstring(str(svg))


def panel(chart: ET.Element, series: str) -> ET.Element:
    return chart.find(f"{SVG}g[@data-series='{series}']")


def points(chart: ET.Element, series: str) -> list[ET.Element]:
    return panel(chart, series).findall(f"{SVG}circle")


def threshold(chart: ET.Element, series: str, code: str) -> ET.Element:
    return panel(chart, series).find(f"{SVG}line[@data-threshold='{code}']")


def texts(chart: ET.Element) -> list[str]:
    return ["".join(element.itertext()) for element in chart.iter(f"{SVG}text")]


def test_the_points_of_two_days_are_drawn_on_each_panel(citizen, active_patient):
    file_report(active_patient, citizen, at=YESTERDAY, spo2=97, pulse=82, temperature="37.2")
    file_report(active_patient, citizen, at=TODAY, spo2=98, pulse=90, temperature="38.1")

    chart = chart_of(active_patient)

    expected = {"spo2": ["97", "98"], "temperature": ["37.2", "38.1"], "pulse": ["82", "90"]}
    for series, values in expected.items():
        drawn = points(chart, series)
        assert [point.get("data-at") for point in drawn] == ["2026-11-20T07:30", "2026-11-21T07:45"]
        assert [point.get("data-value") for point in drawn] == values
        assert float(drawn[0].get("cx")) < float(drawn[1].get("cx"))
        assert panel(chart, series).find(f"{SVG}polyline") is not None
    days = [
        element.get("data-day") for element in chart.iter(f"{SVG}text") if element.get("data-day")
    ]
    assert days == ["2026-11-20", "2026-11-21"]
    assert "20/11" in texts(chart) and "21/11" in texts(chart)
    assert chart.find(f"{SVG}desc").text.startswith("2 lần đo từ 20/11/2026 đến 21/11/2026.")
    assert "38,1 °C" in chart.find(f"{SVG}desc").text


def test_the_spo2_threshold_line_sits_at_the_rules_value_and_moves_with_it(
    citizen, active_patient, province, set_rule
):
    for spo2, minutes in ((99, 50), (96, 40), (93, 30)):
        file_report(
            active_patient, citizen, at=MORNING - datetime.timedelta(minutes=minutes), spo2=spo2
        )
    level = {
        point.get("data-value"): point.get("cy")
        for point in points(chart_of(active_patient), "spo2")
    }

    before = chart_of(active_patient)
    set_rule("homecare", province, spo2_below=93)
    after = chart_of(active_patient)

    line = threshold(before, "spo2", "spo2_below")
    assert line.get("data-value") == "96"
    assert line.get("y1") == line.get("y2") == level["96"]
    assert "Dưới 96%: nguy hiểm" in texts(before)
    moved = threshold(after, "spo2", "spo2_below")
    assert moved.get("data-value") == "93"
    assert moved.get("y1") == level["93"] != level["96"]
    assert "Dưới 93%: nguy hiểm" in texts(after)
    assert "Dưới 96%: nguy hiểm" not in texts(after)


def test_the_pulse_thresholds_are_labelled_and_a_fast_pulse_is_marked(citizen, active_patient):
    file_report(active_patient, citizen, at=YESTERDAY, pulse=80)
    file_report(active_patient, citizen, at=TODAY, pulse=130)

    chart = chart_of(active_patient)

    assert threshold(chart, "pulse", "pulse_above").get("data-value") == "120"
    assert threshold(chart, "pulse", "pulse_below").get("data-value") == "50"
    assert "Trên 120: mạch nhanh" in texts(chart)
    assert "Dưới 50: mạch chậm" in texts(chart)
    normal, fast = points(chart, "pulse")
    assert (normal.get("fill"), fast.get("fill")) == ("#38761d", "#cc0000")


def test_an_empty_history_is_a_short_message_not_an_empty_chart(active_patient):
    html = str(report_chart(reports_of(active_patient), homecare_rules(active_patient)))

    assert html == '<p class="kb-chart-empty">Chưa có báo cáo nào để vẽ biểu đồ.</p>'


def test_the_patients_name_is_escaped(citizen, citizen_person, active_patient):
    name = '<script>alert("x")</script> & Co'
    person_update(person=citizen_person, full_name=name)
    file_report(active_patient, citizen, at=TODAY)
    active_patient.refresh_from_db()

    svg = str(report_chart(reports_of(active_patient), homecare_rules(active_patient)))

    assert "<script" not in svg
    assert "&lt;script&gt;" in svg
    stored = active_patient.person.full_name
    assert ET.fromstring(svg).find(f"{SVG}title").text == (
        f"Diễn biến SpO2, nhiệt độ và mạch của {stored}"
    )


def test_a_name_given_to_the_chart_is_escaped_too(citizen, active_patient):
    file_report(active_patient, citizen, at=TODAY)

    chart = chart_of(active_patient, name="</title><script>x</script>")

    assert chart.find(f"{SVG}title").text.endswith("</title><script>x</script>")
    assert chart.find(f".//{SVG}script") is None


# -- the history page ----------------------------------------------------------------------


def history_url(patient) -> str:
    return reverse("declarations:homecare-history", kwargs={"pk": patient.pk})


def test_the_history_page_lists_reports_newest_first_beside_the_chart(
    client, citizen, active_patient
):
    older = file_report(active_patient, citizen, at=YESTERDAY, temperature="37.5")
    newer = file_report(
        active_patient, citizen, at=TODAY, spo2=94, chest_pain=True, temperature="38.0"
    )
    client.force_login(citizen)

    response = client.get(history_url(active_patient))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html and "Diễn biến SpO2, nhiệt độ và mạch của Nguyễn Văn An" in html
    assert html.index(f'data-report="{newer.pk}"') < html.index(f'data-report="{older.pk}"')
    assert "07:45 21/11" in html and "07:30 20/11" in html
    assert "37,5 °C" in html
    assert "SpO2 thấp (94%), Đau tức ngực" in html
    assert newer.danger_signs == ["spo2", "chest_pain"]


def test_the_history_of_another_accounts_patient_is_a_404(
    client, citizen, ward2_person, ward2_staff
):
    other = enrol(ward2_person, by=ward2_staff)
    client.force_login(citizen)

    assert client.get(history_url(other)).status_code == 404
