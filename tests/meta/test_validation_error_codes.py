"""Every `pytest.raises(ValidationError)` in the suite checks the error's code: a test
that only sees "some ValidationError" passes for the wrong refusal too."""

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.smoke


def _raises_validation_error(item: ast.withitem) -> bool:
    call = item.context_expr
    return (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "raises"
        and bool(call.args)
        and isinstance(call.args[0], ast.Name)
        and call.args[0].id == "ValidationError"
    )


def _checks_code(function: ast.AST, name: str) -> bool:
    """Whether `name` (the `as` target) is read for its code: `.code`, `.error_dict`,
    `.error_list`, a helper given `name.value`, or a helper returning it to tests that
    check it (the refusal() helpers)."""
    for node in ast.walk(function):
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Attribute):
            if isinstance(node.value.value, ast.Name) and node.value.value.id == name:
                return True
        if isinstance(node, ast.Attribute) and node.attr in {"code", "error_dict", "error_list"}:
            base = node.value
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id == name:
                return True
        if isinstance(node, ast.Call):
            for arg in node.args:
                if (
                    isinstance(arg, ast.Attribute)
                    and arg.attr == "value"
                    and isinstance(arg.value, ast.Name)
                    and arg.value.id == name
                ):
                    return True
    return False


def _offenders() -> list[str]:
    found = []
    for path in sorted(TESTS.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if not isinstance(node, ast.With):
                    continue
                for item in node.items:
                    if not _raises_validation_error(item):
                        continue
                    target = item.optional_vars
                    if not isinstance(target, ast.Name) or not _checks_code(function, target.id):
                        found.append(f"{path.relative_to(TESTS.parent)}:{node.lineno}")
    return found


def test_every_expected_validation_error_is_checked_for_its_code():
    assert _offenders() == []
