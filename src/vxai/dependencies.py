"""The library files a script runs: its `vxai` imports, followed transitively.

Files are parsed with `ast`, never imported, so the workflow can ask at DAG-build time
without loading TensorFlow. Imports inside functions count; importing `vxai.a.b` counts
the packages `vxai` and `vxai.a` too, as Python runs their `__init__.py`. Modules loaded by
name at run time count as well: reaching the metric registry reaches every metric module
(`metric_specs()` imports them all), and callers add the attribution methods a job runs as
`extra` (a job loads only its own).
"""

import ast
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
ROOT = "vxai"


def module_file(name):
    """The file of a dotted `vxai` module or package, or None for any other name."""
    parts = name.split(".")
    if parts[0] != ROOT:
        return None
    base = PACKAGE.joinpath(*parts[1:])
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _loaded_by_name(path):
    """The files a module loads by name when it runs: every metric module for the metric
    registry, nothing for any other module."""
    if path == PACKAGE / "metrics" / "registry.py":
        from vxai.metrics.registry import metric_files

        return metric_files()
    return []


def _with_own_packages(path):
    """`path` and the `__init__.py` of the packages above it (inside vxai)."""
    name = _module_name(path)
    found = [Path(path).resolve()]
    if name:
        found += [f for f in map(module_file, _with_packages(name)) if f]
    return found


def _module_name(path):
    """The dotted name of a file inside the package (None for a script outside it)."""
    try:
        parts = Path(path).resolve().relative_to(PACKAGE).with_suffix("").parts
    except ValueError:
        return None
    return ".".join((ROOT, *parts[:-1])) if parts[-1] == "__init__" else ".".join((ROOT, *parts))


def _imported_names(path):
    """Dotted names a file imports, with `from x import y` giving both x and x.y."""
    tree = ast.parse(Path(path).read_text(), filename=str(path))
    own = _module_name(path)
    package = own if own and Path(path).name == "__init__.py" else (own or "").rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from .x import y
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _with_packages(name):
    """`vxai.a.b` -> vxai, vxai.a, vxai.a.b."""
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


@cache
def _direct(path):
    """Files of the `vxai` modules and packages a file imports directly."""
    files = set()
    for name in _imported_names(path):
        files.update(f for f in map(module_file, _with_packages(name)) if f is not None)
    return frozenset(files)


def library_files(script, extra=()):
    """Sorted library files that `script` and the `extra` files (paths) reach through their
    imports, transitively, with the `extra` files themselves and their packages."""
    todo = [Path(script).resolve()]
    for path in extra:
        todo += _with_own_packages(path)
    seen = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        todo.extend(_direct(path) - seen)
        for loaded in _loaded_by_name(path):
            todo.extend(_with_own_packages(loaded))
    seen.discard(Path(script).resolve())
    return sorted(seen)
