import pytest

from khaibao.celery import app as celery_app
from khaibao.notify.backends import LocmemBackend
from tests.notify.backends import ScriptedBackend
from tests.notify.sms_stub import SmsGatewayStub


@pytest.fixture(autouse=True)
def eager_tasks():
    """Run tasks in this process even when REDIS_URL is set (the PostgreSQL run): unit
    tests must never publish to the shared broker, where a real worker could take them.

    Errors stay in the task, as in a worker: retries run (at once), the failure hook
    marks the row; the caller of delay() gets a result, not the exception.
    """
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, False
    yield conf
    conf.task_always_eager, conf.task_eager_propagates = saved


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    settings.SMS_BACKEND = "khaibao.notify.backends.LocmemBackend"
    LocmemBackend.outbox.clear()
    yield LocmemBackend.outbox
    LocmemBackend.outbox.clear()


@pytest.fixture
def scripted_backend(settings):
    settings.SMS_BACKEND = "tests.notify.backends.ScriptedBackend"
    ScriptedBackend.reset()
    yield ScriptedBackend
    ScriptedBackend.reset()


@pytest.fixture
def gateway(settings):
    """A stub gateway on a free local port, with the HTTP backend pointed at it."""
    with SmsGatewayStub() as stub:
        settings.SMS_BACKEND = "khaibao.notify.backends.HttpGatewayBackend"
        settings.SMS_GATEWAY_URL = stub.url
        settings.SMS_GATEWAY_TOKEN = stub.token
        settings.SMS_GATEWAY_TIMEOUT = 5
        yield stub
