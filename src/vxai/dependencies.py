"""The library files a script runs: its `vxai` imports, followed transitively.

Files are parsed with `ast`, never imported, so the workflow can ask at DAG-build time
without loading TensorFlow. Imports inside functions count; importing `vxai.a.b` counts
the packages `vxai` and `vxai.a` too, as Python runs their `__init__.py`. Modules loaded by
name at run time (the methods, through their registry) are not seen: callers add their
files as `extra`.
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
    for path in map(Path, extra):
        name = _module_name(path)
        todo += [path.resolve()] + ([f for f in map(module_file, _with_packages(name)) if f]
                                    if name else [])
    seen = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        todo.extend(_direct(path) - seen)
    seen.discard(Path(script).resolve())
    return sorted(seen)
