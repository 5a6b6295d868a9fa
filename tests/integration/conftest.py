"""Real Celery workers, started by the test run against the test database.

`celery_worker_process` is the session's shared worker on settings.REDIS_URL; its texts
go through `sms_gateway_stub`, a local SMS gateway started before it. Tests that have
to kill a worker or a Redis start their own with `start_celery_worker` on a
`throwaway_redis`, and point this process's task producer at it with `celery_producer`.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import kombu.pools
import pytest
import redis
from django.conf import settings
from django.db import connection

from khaibao.celery import app as celery_app
from khaibao.core.health import HEARTBEAT_KEY
from tests.conftest import require
from tests.notify.sms_stub import SmsGatewayStub

REPO = Path(__file__).resolve().parents[2]
HEARTBEAT_SECONDS = 1
# Worker settings for the SMS tests: a sender presumed dead after 3 s, quick retries.
SMS_LEASE_SECONDS = 3


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_until(predicate, *, timeout: float, what: str, details=None):
    """Poll `predicate` until it returns something true; `details()` (say, a worker's
    log) is added to the failure message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.2)
    extra = f"\n{details()}" if details else ""
    pytest.fail(f"Timed out after {timeout:.0f} s waiting for {what}{extra}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sms_worker_env(stub: SmsGatewayStub) -> dict[str, str]:
    """Environment for a worker that sends texts to the stub gateway."""
    return {
        "SMS_BACKEND": "http",
        "SMS_GATEWAY_URL": stub.url,
        "SMS_GATEWAY_TOKEN": stub.token,
        "SMS_GATEWAY_TIMEOUT": "10",
        "SMS_SENDING_LEASE_SECONDS": str(SMS_LEASE_SECONDS),
        "SMS_RETRY_BASE_SECONDS": "1",
        "SMS_RETRY_MAX_SECONDS": "2",
    }


class CeleryWorker:
    """One `celery worker` subprocess; `log()` is the tail of its output."""

    def __init__(self, process: subprocess.Popen, log_path: Path, redis_url: str):
        self.process = process
        self.log_path = log_path
        self.redis_url = redis_url

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return f"--- worker log ({self.log_path}) ---\n{self.log_path.read_text()[-4000:]}"

    def pool_children(self) -> list[int]:
        """Process ids of the prefork pool's children (from /proc)."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if parent == self.pid:
                children.append(int(stat.parent.name))
        return children

    def kill(self) -> None:
        """SIGKILL: no shutdown, no acknowledgement, the way a crash or the OOM killer ends it."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_celery_worker(
    *,
    redis_url: str,
    database_url: str,
    log_path: Path,
    env: dict[str, str] | None = None,
    pool: str = "solo",
    name: str | None = None,
) -> CeleryWorker:
    """Start a worker on queues default and sms; return once it beats into `redis_url`."""
    client = redis.Redis.from_url(redis_url)
    started_at = time.time()
    worker_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "khaibao.settings",
        "DEBUG": "1",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "WORKER_HEARTBEAT_SECONDS": str(HEARTBEAT_SECONDS),
        "KHAIBAO_VAR_DIR": str(log_path.parent),
        **(env or {}),
    }
    pool_args = ["--pool=solo"] if pool == "solo" else [f"--pool={pool}", "--concurrency=1"]
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "khaibao",
                "worker",
                "-Q",
                "default,sms",
                *pool_args,
                "-n",
                f"{name or f'test-worker-{uuid.uuid4().hex[:8]}'}@%h",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=INFO",
            ],
            cwd=REPO,
            env=worker_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    worker = CeleryWorker(process, log_path, redis_url)
    try:
        # A beat newer than the start: a killed predecessor's old beat does not count.
        wait_until(
            lambda: (
                process.poll() is not None
                or client.zrangebyscore(HEARTBEAT_KEY, started_at, "+inf")
            ),
            timeout=60,
            what="the Celery worker's first heartbeat",
            details=worker.log,
        )
        if process.poll() is not None:
            pytest.fail(f"Celery worker exited at start:\n{worker.log()}")
    except BaseException:
        worker.stop()
        raise
    finally:
        client.close()
    return worker


@pytest.fixture(scope="session")
def sms_gateway_stub():
    """The session's SMS gateway; tests reset it (see `sms_gateway`)."""
    with SmsGatewayStub() as stub:
        yield stub


@pytest.fixture
def sms_gateway(sms_gateway_stub):
    sms_gateway_stub.reset()
    yield sms_gateway_stub
    sms_gateway_stub.reset()


@pytest.fixture(scope="session")
def worker_database_url(postgres_and_redis, django_db_setup, django_db_blocker) -> str:
    with django_db_blocker.unblock():
        return _database_url()


@pytest.fixture(scope="session")
def shared_celery_worker(worker_database_url, sms_gateway_stub, tmp_path_factory):
    """The session's worker on settings.REDIS_URL; stopped before the test database goes."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(HEARTBEAT_KEY)
    worker = start_celery_worker(
        redis_url=settings.REDIS_URL,
        database_url=worker_database_url,
        log_path=tmp_path_factory.mktemp("celery") / "worker.log",
        env=sms_worker_env(sms_gateway_stub),
        name=f"test-worker-{os.getpid()}",
    )
    try:
        yield worker
    finally:
        worker.stop()
        client.delete(HEARTBEAT_KEY)
        client.close()


@pytest.fixture(scope="session")
def celery_worker_process(shared_celery_worker):
    """Start `celery worker` in a subprocess; stop it before the test database goes."""
    return shared_celery_worker.process


class ThrowawayRedis:
    """A redis-server on a free port that keeps nothing on disk: killing it loses
    whatever it held, as a crash of the production Redis would."""

    def __init__(self, directory: Path):
        self.binary = shutil.which("redis-server")
        require(self.binary is not None, "redis-server must be installed")
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, timeout=10, what="the throw-away redis-server to answer")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=5)

    def _answers(self) -> bool:
        try:
            return redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping()
        except redis.ConnectionError:
            return False


@pytest.fixture
def throwaway_redis(tmp_path):
    server = ThrowawayRedis(tmp_path)
    server.start()
    yield server
    server.kill()


@contextlib.contextmanager
def celery_producer(broker_url: str):
    """Publish this process's tasks (delay, delay_on_commit) to `broker_url`.

    The app caches its connection and producer pools on first use, so changing
    `broker_url` alone changes nothing, and `app.pool.force_close_all()` closes the
    cached pool for good while leaving it cached. Instead, pools of its own for the other
    broker stand in for the cached ones, which come back untouched afterwards.
    """
    app, amqp = celery_app, celery_app.amqp
    saved = app.conf.broker_url, app.pool, amqp.producer_pool
    connections = app.connection_for_write(broker_url).Pool(limit=app.conf.broker_pool_limit)
    producers = kombu.pools.ProducerPool(connections, limit=connections.limit)
    app.conf.broker_url, app._pool, amqp._producer_pool = broker_url, connections, producers
    try:
        yield
    finally:
        app.conf.broker_url, app._pool, amqp._producer_pool = saved
        producers.force_close_all()
        connections.force_close_all()
