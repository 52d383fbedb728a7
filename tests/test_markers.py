"""`pytest -m "not workflow"` runs no Snakemake: the marker follows the fixtures, and a test
that calls Snakemake itself carries it (conftest.snakemake refuses to run for one that does
not)."""

import inspect
import re

from conftest import SNAKEMAKE_FIXTURES


def starts_snakemake(item):
    """True when a collected test needs a Snakemake run: through a fixture, or by calling
    conftest.snakemake in its own body."""
    function = getattr(item, "function", None)
    source = inspect.getsource(function) if function else ""
    return bool(SNAKEMAKE_FIXTURES & set(item.fixturenames)) or bool(
        re.search(r"(?<![\w.])snakemake\(", source))


def test_every_test_that_starts_snakemake_is_marked_workflow(request):
    """Over every test of this session (under `-m "not workflow"`, the selected ones)."""
    items = request.session.items
    unmarked = [item.nodeid for item in items
                if starts_snakemake(item) and item.get_closest_marker("workflow") is None]
    assert unmarked == []
