"""Where a module's source is, found without importing it (nor running its packages'
`__init__`, which may import TensorFlow): for registries that read a plugin's source."""

from importlib.machinery import PathFinder
from pathlib import Path


def source_file(name):
    """The source file of any dotted module `name`, found without running any of its
    packages' `__init__` (which may import TensorFlow); None when there is none."""
    found, parts = None, name.split(".")
    for depth in range(1, len(parts) + 1):
        locations = found.submodule_search_locations if found else None
        found = PathFinder.find_spec(".".join(parts[:depth]), locations)
        if found is None:
            return None
    return Path(found.origin) if found.origin and found.origin.endswith(".py") else None
