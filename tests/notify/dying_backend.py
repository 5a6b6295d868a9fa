"""An SMS backend whose process dies in the middle of every send: what a worker
killed by the OOM killer, a deploy or a power cut looks like from the outbox."""

from khaibao.notify.backends import BaseSmsBackend


class WorkerDied(BaseException):
    """Not an Exception: nothing in sms_send may catch it, as nothing catches SIGKILL."""


class DyingBackend(BaseSmsBackend):
    name = "dying"
    sends = 0

    def send(self, message) -> str:
        DyingBackend.sends += 1
        raise WorkerDied
