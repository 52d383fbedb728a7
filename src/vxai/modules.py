"""Where a module's source is, found without importing it (nor running its packages'
`__init__`, which may import TensorFlow): for registries that read a plugin's source."""

from importlib import metadata
from importlib.machinery import PathFinder
from pathlib import Path

from vxai.errors import UserError


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


def plugin_modules(group):
    """{module: file} of the modules other packages name under the entry-point `group`."""
    modules = {}
    for entry in metadata.entry_points(group=group):
        path = source_file(entry.value)
        if path is None:
            raise UserError(f"entry point '{entry.name} = {entry.value}' (group {group}) "
                            "names no Python module that can be found; install its package")
        modules[entry.value] = path
    return modules
