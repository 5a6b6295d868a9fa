"""The shape of the code, held by a test that walks the imports with ast:

1. No module of khaibao/ imports a domain app (declarations, vaccination, checkpoints) or
   names one in a string; the project's wiring (settings.py, urls.py) is the exception.
2. No import circles between the project's modules, counting the imports made inside
   functions: a lazy import that only dodges a circle is still a circle.
"""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("khaibao", "declarations", "vaccination", "checkpoints")
DOMAIN = ("declarations", "vaccination", "checkpoints")
#: The project's wiring names every app on purpose.
WIRING = {"khaibao.settings", "khaibao.urls"}

pytestmark = pytest.mark.smoke


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    is_package = MODULES[module].name == "__init__.py"
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str) -> set[str]:
    """Project modules `module` imports, at the top or inside a function."""
    targets = set()
    for node in ast.walk(ast.parse(MODULES[module].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, node)
            names = [f"{source}.{alias.name}" for alias in node.names] + [source]
        else:
            continue
        for name in names:
            # The deepest project module the name points at.
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add(name)
    return targets


def test_the_platform_never_imports_or_names_a_domain_app():
    offences = []
    for module, path in MODULES.items():
        if not module.startswith("khaibao") or module in WIRING:
            continue
        for target in _imports(module):
            if target.split(".")[0] in DOMAIN:
                offences.append(f"{module} imports {target}")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                # "declarations.f0declaration", "vaccination.selectors", "declarations:start"
                if any(node.value.startswith((f"{app}.", f"{app}:")) for app in DOMAIN):
                    offences.append(f"{module} names {node.value!r}")
    assert offences == []


def _cycles() -> list[list[str]]:
    graph = {module: _imports(module) for module in MODULES}
    cycles, state, stack = [], {}, []

    def visit(module: str) -> None:
        state[module] = "open"
        stack.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                cycles.append(stack[stack.index(target) :] + [target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module)
    return cycles


def test_there_are_no_import_circles_not_even_through_lazy_imports():
    # A package's __init__ re-exporting its modules would count too: there are none.
    assert _cycles() == []
