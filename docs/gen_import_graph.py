"""Draw the import graph of ``openfield`` and check its layering rule.

Run from the repository root after adding or moving an import::

    python docs/gen_import_graph.py           # rewrite the graph in docs/architecture.md
    python docs/gen_import_graph.py --check   # exit 1 when that graph is stale

The graph is read from the source with :mod:`ast` (nothing is imported), so it
sees every import: at the top of a module, inside a function, or under
``if TYPE_CHECKING:``; each is an edge. Importing ``openfield.a.b`` from outside
the package ``openfield.a`` also runs ``openfield/a/__init__.py``, so that is an
edge too. ``tests/test_import_graph.py`` uses these functions to assert that the
graph has no cycle, that :data:`LAYERS` is kept, that imports sit at the top of
modules (but for :data:`LAZY_MODULES` and optional parts), and that the drawing is up to date.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
ARCHITECTURE_MD = REPO / "docs" / "architecture.md"
REGENERATE = "python docs/gen_import_graph.py"

#: The layers, lowest first. A module may import from its own layer or a lower one, never from a higher one.
#: A name is a module or a package (then it holds everything under it). Every module of ``openfield`` is in one.
LAYERS: list[tuple[str, list[str]]] = [
    # openfield.arena: its geometry, calibration model, zones (and __init__) are basics; its detectors and
    # methods (which segment images) are stages
    ("basics", ["openfield", "openfield.errors", "openfield.bodyparts", "openfield.timebase", "openfield.arena",
                "openfield.device", "openfield.provenance",
                "openfield.lazy"]),  # (main's openfield/lazy.py, which io.pose imports: a basic module)
    ("files", ["openfield.io"]),
    ("stages", ["openfield.calibration", "openfield.arena.detect", "openfield.arena.rectangle",
                "openfield.arena.shape", "openfield.arena.multi", "openfield.arena.reference", "openfield.arena.draw",
                "openfield.segmentation", "openfield.orientation", "openfield.tracking",
                "openfield.cleaning", "openfield.smoothing", "openfield.kinematics",
                "openfield.bouts", "openfield.path_shape", "openfield.mobility", "openfield.wall",
                "openfield.extra_measures", "openfield.trial", "openfield.quality", "openfield.overlay",
                "openfield.plots", "openfield.report", "openfield.behavior", "openfield.study", "openfield.pose",
                "openfield.synthetic"]),
    ("workflow", ["openfield.pipeline"]),
    ("faces", ["openfield.commands", "openfield.draw", "openfield.demo"]),
    ("entry", ["openfield.cli", "openfield.__main__"]),
]

#: Modules that may be imported inside a function, each with a comment saying why: optional extras (pose:
#: deeplabcut, napari; behavior: torch, transformers, safetensors, scikit-learn, skops, joblib) and heavy imports
#: that a command must not pay for when it does not use them (dask/distributed ~1 s, matplotlib and scipy.signal /
#: scipy.linalg: not by ``openfield track``, see tests/test_unit/test_tracking.py; statsmodels ~0.7 s: only
#: ``openfield study``; movement ~1.8 s: only other tools' pose files and ROI objects; openfield.plots imports
#: matplotlib at its top).
#: Modules whose functions are entry points: they may import the work they run inside the function (commented),
#: so that building the command line's parser (every command module imported) stays light.
ENTRY_POINTS = ("openfield.commands",)

LAZY_MODULES = ("deeplabcut", "napari", "torch", "torchvision", "transformers", "safetensors", "sklearn", "skops",
                "joblib", "dask", "distributed", "matplotlib", "scipy.signal", "scipy.linalg", "statsmodels",
                "movement", "openfield.plots")


@dataclass(frozen=True)
class Import:
    """One import statement's target inside ``openfield``'s source."""

    module: str  #: the importing module
    target: str  #: the imported module (or the package whose name was imported)
    line: int
    in_function: bool
    text: str
    guarded: bool = False  #: inside ``try:`` with an ``except ImportError`` (an optional part, with a message)
    commented: bool = False  #: a comment on its line or the line above

    @property
    def lazy_allowed(self) -> bool:
        """An import inside a function that the rule allows, commented: of :data:`LAZY_MODULES`, guarded, or
        a command's work imported by its entry point (:data:`ENTRY_POINTS`: the CLI imports every command
        module to build its parser, so a command imports what it runs only when it runs)."""
        lazy = any(self.target == m or self.target.startswith(m + ".") for m in LAZY_MODULES)
        entry = any(self.module == m or self.module.startswith(m + ".") for m in ENTRY_POINTS)
        return (lazy or self.guarded or entry) and self.commented


def module_name(path: Path, src: Path = SRC) -> str:
    """Dotted name of a source file (``openfield/io/__init__.py`` -> ``openfield.io``)."""
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules(src: Path = SRC) -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    return {module_name(p, src): p for p in sorted((src / "openfield").rglob("*.py"))}


def _resolve(node: ast.Import | ast.ImportFrom, package: str, known: dict[str, Path]) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    base = node.module or ""
    if node.level:
        parts = package.split(".")
        parts = parts[: len(parts) - node.level + 1]
        base = ".".join(parts + ([node.module] if node.module else []))
    for alias in node.names:
        full = f"{base}.{alias.name}"
        yield full if full in known else base


def imports(src: Path = SRC) -> list[Import]:
    """Every import statement in the package, with where it sits."""
    known = modules(src)
    found: list[Import] = []
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        source = path.read_text()
        lines = source.splitlines()

        def visit(node: ast.AST, in_function: bool, guarded: bool, name: str = name, package: str = package,
                  lines: list[str] = lines) -> None:
            for child in ast.iter_child_nodes(node):
                function = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
                child_guarded = not function and (
                    guarded or (_catches_import_error(node) and child in node.body))  # type: ignore[attr-defined]
                if isinstance(child, ast.Import | ast.ImportFrom):
                    for target in _resolve(child, package, known):
                        found.append(Import(name, target, child.lineno, in_function, ast.unparse(child),
                                            child_guarded, _commented(lines, child.lineno)))
                visit(child, in_function or function, child_guarded)

        visit(ast.parse(source, str(path)), False, False)
    return found


def _commented(lines: list[str], lineno: int) -> bool:
    """A comment on the import's line, or above the run of import lines it is in."""
    if "#" in lines[lineno - 1]:
        return True
    i = lineno - 2
    while i >= 0 and lines[i].strip().startswith(("from ", "import ")):
        if "#" in lines[i]:
            return True
        i -= 1
    return i >= 0 and lines[i].strip().startswith("#")


def _catches_import_error(node: ast.AST) -> bool:
    """A ``try:`` with a handler for ``ImportError`` (or ``ModuleNotFoundError``)."""
    if not isinstance(node, ast.Try):
        return False
    names = {ast.unparse(h.type) for h in node.handlers if h.type is not None}
    return any("ImportError" in n or "ModuleNotFoundError" in n for n in names)


def _owner(target: str, known: dict[str, Path]) -> str:
    """The module that runs when ``target`` is imported (``openfield.io.files.x`` -> ``openfield.io.files``)."""
    while target not in known and "." in target:
        target = target.rpartition(".")[0]
    return target


def graph(src: Path = SRC) -> dict[str, set[str]]:
    """Module -> the ``openfield`` modules it imports (parent packages' ``__init__`` included)."""
    known = modules(src)
    edges: dict[str, set[str]] = {name: set() for name in known}
    for imp in imports(src):
        if not imp.target.startswith("openfield"):
            continue
        target = _owner(imp.target, known)
        parts = target.split(".")
        for i in range(1, len(parts) + 1):
            step = ".".join(parts[:i])
            inside = imp.module == step or imp.module.startswith(step + ".")
            if step in known and step != imp.module and (step == target or not inside):
                edges[imp.module].add(step)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(edges):
        if v not in index:
            strong(v)
    return sorted(found)


def layer_of(module: str) -> int:
    """Index in :data:`LAYERS` of the most specific entry that holds ``module``."""
    best, best_len = -1, -1
    for i, (_, names) in enumerate(LAYERS):
        for prefix in names:
            holds = module == prefix or (prefix != "openfield" and module.startswith(prefix + "."))
            if holds and len(prefix) > best_len:
                best, best_len = i, len(prefix)
    if best < 0:
        raise ValueError(f"{module} is in no layer of docs/gen_import_graph.LAYERS: add it")
    return best


def upward_imports(edges: dict[str, set[str]]) -> list[tuple[str, str]]:
    """``(importer, imported)`` pairs where the imported module sits in a higher layer."""
    return sorted((a, b) for a, bs in edges.items() for b in bs if layer_of(b) > layer_of(a))


def imports_not_at_top(src: Path = SRC) -> list[Import]:
    """Imports inside functions that :attr:`Import.lazy_allowed` does not allow."""
    return [imp for imp in imports(src) if imp.in_function and not imp.lazy_allowed]


#: Modules nearly every other imports; their arrows are left out of the drawing (not out of the checks).
DRAWN_WITHOUT_ARROWS = ("openfield", "openfield.errors")


def group(module: str) -> str:
    """The box a module is drawn in: a top-level module or sub-package of ``openfield``."""
    parts = module.split(".")
    return ".".join(parts[:2])


def render(src: Path = SRC) -> str:
    """The mermaid block: one box per top-level module or sub-package, one arrow per import between boxes.

    A sub-package whose modules sit in several layers (``arena``: its geometry is basic, its detectors are
    stages) is drawn as one box in each. Arrows to :data:`DRAWN_WITHOUT_ARROWS` are left out.
    """
    edges = graph(src)
    layers: dict[str, set[int]] = {}
    for a in edges:
        if a != "openfield":
            layers.setdefault(group(a), set()).add(layer_of(a))

    def box(module: str) -> str:
        g = group(module)
        return g if len(layers.get(g, ())) <= 1 else f"{g}.{LAYERS[layer_of(module)][0]}"

    boxes: dict[str, tuple[int, str]] = {}
    arrows: set[tuple[str, str]] = set()
    for a, bs in edges.items():
        if a == "openfield":
            continue
        boxes[box(a)] = (layer_of(a), group(a))
        for b in bs:
            if b not in DRAWN_WITHOUT_ARROWS and box(a) != box(b):
                arrows.add((box(a), box(b)))
    lines = ["```mermaid", "flowchart BT"]
    for i, (title, _) in enumerate(LAYERS):
        members = sorted(b for b, (layer, _) in boxes.items() if layer == i)
        if not members:
            continue
        lines.append(f'  subgraph {title}["{i}. {title}"]')
        lines += [f'    {_id(b)}["{boxes[b][1].removeprefix("openfield.")}"]' for b in members]
        lines.append("  end")
    lines += [f"  {_id(a)} --> {_id(b)}" for a, b in sorted(arrows)]
    lines.append("```")
    return "\n".join(lines) + "\n"


def _id(box: str) -> str:
    return box.replace(".", "_")


BEGIN = "<!-- import-graph: generated by docs/gen_import_graph.py, do not edit -->\n"
END = "<!-- end import-graph -->"


def updated_page(page: str, src: Path = SRC) -> str:
    """``page`` with the block between :data:`BEGIN` and :data:`END` replaced by :func:`render`'s."""
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    if not pattern.search(page):
        raise ValueError(f"{ARCHITECTURE_MD}: markers {BEGIN.strip()} ... {END} not found")
    return pattern.sub(lambda _: BEGIN + render(src) + END, page)


def main(argv: list[str]) -> int:
    page = ARCHITECTURE_MD.read_text()
    new = updated_page(page)
    if "--check" in argv:
        if new != page:
            sys.stderr.write(f"docs/architecture.md is stale: run `{REGENERATE}`\n")
            return 1
        return 0
    ARCHITECTURE_MD.write_text(new)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
