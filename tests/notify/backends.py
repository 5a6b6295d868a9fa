"""A backend whose next outcomes a test sets: a provider id or an exception to raise."""

from khaibao.notify.backends import BaseSmsBackend


class ScriptedBackend(BaseSmsBackend):
    name = "scripted"
    outcomes: list = []  # consumed in order; "ok" once they run out
    calls: list = []

    @classmethod
    def reset(cls, *outcomes) -> None:
        cls.outcomes = list(outcomes)
        cls.calls = []

    def send(self, message) -> str:
        ScriptedBackend.calls.append(message.reference)
        outcome = ScriptedBackend.outcomes.pop(0) if ScriptedBackend.outcomes else "ok"
        if isinstance(outcome, BaseException):
            raise outcome
        return f"scripted-{len(ScriptedBackend.calls)}"
