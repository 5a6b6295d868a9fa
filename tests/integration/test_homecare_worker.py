"""The home-care beat tasks, run by a real worker against PostgreSQL."""

import datetime

import pytest
from django.utils import timezone

from declarations.homecare.models import Alert
from declarations.homecare.tasks import chase_missed_reports, resend_open_alerts
from khaibao.notify.models import SmsMessage
from tests.declarations.homecare.factories import make_patient, make_unit, submit
from tests.integration.conftest import wait_until

pytestmark = pytest.mark.integration


def test_the_worker_resends_an_open_alert_that_is_due(
    celery_worker_process, transactional_db, citizen_person, citizen, ward1, ward1_staff
):
    station = make_unit(area=ward1, phone="+84283822111")
    patient = make_patient(person=citizen_person, by=ward1_staff)
    submit(patient, account=citizen, spo2=91)
    alert = Alert.objects.get()
    Alert.objects.filter(pk=alert.pk).update(
        next_send_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    resend_open_alerts.delay()

    wait_until(
        lambda: Alert.objects.get(pk=alert.pk).sent_count == 2,
        timeout=30,
        what="the worker to send the alert again",
    )
    assert SmsMessage.objects.filter(purpose="homecare_alert", to=station.phone).count() == 2
    assert Alert.objects.get(pk=alert.pk).next_send_at > timezone.now()


def test_beat_runs_the_home_care_tasks(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["homecare-chase-missed-reports"]["task"] == chase_missed_reports.name
    assert schedule["homecare-resend-open-alerts"]["task"] == resend_open_alerts.name
    assert schedule["homecare-resend-open-alerts"]["schedule"] <= 60
