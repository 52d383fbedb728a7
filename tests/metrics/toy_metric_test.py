"""A toy metric shipped by a package that is not vxai: one module and one entry point, as pip
would install it, for the tests that add a metric with config lines only."""

import os
import sys

import pytest

from conftest import REPO, install_plugin
from vxai.metrics import registry

TOY = '''
"""A toy metric: the share of the map's absolute mass in its first `part` of the features."""

import numpy as np

METRIC = {
    "title": "toy front mass",
    "config": "toy_front",
    "columns": {"toy_front": ["toy", "higher"]},
    "criterion": "complexity",
    "cost": "maps",
    "interval": True,
    "order": 95,
    "reference": None,
    "about": "The share of the absolute map mass on the first features: a toy.",
}


def score(job, settings, table):
    maps = np.abs(job.maps["maps"].reshape(len(job.maps["maps"]), -1))
    front = max(1, int(settings["part"] * maps.shape[1]))
    table["toy_front"] = maps[:, :front].sum(axis=1) / np.maximum(maps.sum(axis=1), 1e-12)
'''


@pytest.fixture
def metric_plugin(tmp_path, monkeypatch):
    """The toy metric installed on sys.path (and PYTHONPATH, for subprocesses)."""
    folder = install_plugin(tmp_path / "site", "toy_metrics", TOY, "vxai.metrics")
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(folder), str(REPO / "src")]))
    registry.metric_modules.cache_clear()
    registry.metric_specs.cache_clear()
    yield folder
    registry.metric_modules.cache_clear()
    registry.metric_specs.cache_clear()
    sys.modules.pop("toy_metrics.toy", None)
    sys.modules.pop("toy_metrics", None)
