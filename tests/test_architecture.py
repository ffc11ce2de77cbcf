"""The shape of the code, as docs/architecture.md describes it: layers, sizes, no hidden state.

These are structural checks read from the source (ast), not behaviour: a change that breaks one is a change to the
architecture, and docs/architecture.md is where it is argued.
"""
from __future__ import annotations

import ast
import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import salesnb

PACKAGE = Path(salesnb.__file__).parent

#: Layers, bottom up (docs/architecture.md). A module may import its own layer and those below, never above.
LAYERS: list[set[str]] = [
    {"errors", "periods", "i18n", "scales", "artifacts", "privacy", "runlock", "installation", "webfont", "fonts",
     "notebook_zh", "parse", "memory", "_version"},                                                     # foundation
    {"schemas", "config", "kpis", "metrics"},                                                 # definitions
    {"io", "engines", "longtail", "prepare", "ingest", "survey", "text"},                     # workspace and analysis tools
    {"goals", "breakdown", "diagnosis", "improve", "problems", "facts", "questionnaire"},      # the four steps
    {"plots", "present", "screen", "summary"},                                                # presentation
    {"context", "report", "cli", "sample", "__init__", "__main__"},                           # the run
]
#: Imports that go up a layer, each with its reason. Keep this list short; docs/architecture.md explains each one.
UPWARD_ALLOWED = {
    ("breakdown", "present"): "breakdown.panel, the step-2 ipywidgets panel, is presentation inside the step package",
}

MAX_MODULE_LINES = 800
MAX_FUNCTION_LINES = 80


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _layer_of(top: str) -> int:
    for i, layer in enumerate(LAYERS):
        if top in layer:
            return i
    raise AssertionError(f"salesnb.{top} is in no layer of tests/test_architecture.py (and docs/architecture.md)")


def _top(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py") if len(rel.parts) > 1 or rel.name != "__init__.py" else "__init__"


def _imports(path: Path):
    """(imported top-level salesnb module, line) for every intra-package import of ``path``, local ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rel = path.relative_to(PACKAGE)
    pkg = list(rel.parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = pkg[: len(pkg) - (node.level - 1)] if node.level > 1 else pkg
            parts = base + (node.module.split(".") if node.module else [])
            names = [parts[0]] if parts else [a.name for a in node.names]
            for name in names:
                yield name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("salesnb."):
            yield node.module.split(".")[1], node.lineno


def test_every_module_is_in_a_layer_and_imports_never_go_up():
    upward = []
    for path in _modules():
        me = _top(path)
        mine = _layer_of(me)
        for target, line in _imports(path):
            if target == me or target.startswith("__version__"):
                continue
            if _layer_of(target) > mine and (me, target) not in UPWARD_ALLOWED:
                upward.append(f"{path.relative_to(PACKAGE)}:{line} imports salesnb.{target}")
    assert upward == []


def test_no_module_over_800_lines():
    big = {str(p.relative_to(PACKAGE)): n for p in _modules() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert big == {}


def test_no_function_over_80_lines():
    long = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES:
                long.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)")
    assert long == []


#: Functions that use ``id()`` as the visited set of one walk over a graph alive for the whole call (not a cache).
GRAPH_WALKS = {"_expanded_values": "counts the values of a YAML node graph once per node (the billion-laughs guard)"}


def _graph_walk(tree: ast.AST, call: ast.Call) -> bool:
    return any(isinstance(f, ast.FunctionDef) and f.name in GRAPH_WALKS and f.lineno <= call.lineno <= f.end_lineno
               for f in ast.walk(tree))


def test_no_hidden_state_memo_by_identity_or_monkeypatching():
    """No cache keyed by ``id(obj)``, no weakref memo, and no module attribute of salesnb replaced at run time."""
    found = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level for a in n.names}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "id" and not _graph_walk(tree, node):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} id(...)")
            if isinstance(node, ast.Import) and any(a.name == "weakref" for a in node.names):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} import weakref")
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id in modules:
                        found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {target.value.id}.{target.attr} = …")
    assert found == []


#: Calls and settings that change a library for the whole process. A worker's next notebook runs in the same kernel
#: (salesnb.report.kernels.restore_fresh_state puts back matplotlib's settings, the warning filters, the working folder,
#: sys.path and the environment, not these), so neither the library nor a notebook uses them.
PROCESS_WIDE = {("pd", "set_option"), ("pandas", "set_option"), ("pd", "options"), ("pandas", "options"),
                ("np", "set_printoptions"), ("numpy", "set_printoptions"), ("np", "seterr"), ("numpy", "seterr")}


def test_no_module_or_notebook_changes_a_librarys_process_wide_settings():
    import json

    from salesnb.installation import notebooks_dir

    sources = [(str(p.relative_to(PACKAGE)), p.read_text(encoding="utf-8")) for p in _modules()]
    for nb in sorted(notebooks_dir().glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        sources += [(f"{nb.name} cell {i}", "".join(c["source"])) for i, c in enumerate(cells) if c["cell_type"] == "code"]
    found, read = [], 0
    for where, text in sources:
        try:
            tree = ast.parse(text)
        except SyntaxError:  # a notebook cell with an IPython magic
            continue
        read += 1
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and (node.value.id, node.attr) in PROCESS_WIDE:
                found.append(f"{where}:{node.lineno} {node.value.id}.{node.attr}")
    assert read > len(_modules()) and found == []


def _all_modules() -> list[str]:
    names = ["salesnb"]
    for info in pkgutil.walk_packages([str(PACKAGE)], prefix="salesnb."):
        if info.name != "salesnb.__main__":
            names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", _all_modules())
def test_the_examples_in_the_docstrings_run(name):
    """Every ``Examples`` section is a doctest that passes (the examples are the documentation's promises)."""
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0
