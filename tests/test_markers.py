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


def test_under_vxai_strict_a_skip_fails_unless_the_real_data_is_absent(pytester, monkeypatch):
    """CI sets VXAI_STRICT=1: a missing reference package (or browser, TeX, SLURM) cannot
    hide behind a skip there; missing shared data still skips."""
    from conftest import REPO

    pytester.makeconftest((REPO / "tests" / "conftest.py").read_text())
    pytester.makepyfile(test_probe="""
        import pytest
        from conftest import shared

        def test_reference():
            pytest.importorskip("a_package_nobody_installed")

        def test_data():
            shared("no", "such", "file")
    """)
    monkeypatch.delenv("VXAI_STRICT", raising=False)
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(skipped=2)
    monkeypatch.setenv("VXAI_STRICT", "1")
    strict = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    strict.assert_outcomes(failed=1, skipped=1)
    strict.stdout.fnmatch_lines(["*test_reference*skipped under VXAI_STRICT=1*"])
