"""bench/engines.py: the FLOP count it divides by, and a run on MNIST-1D."""

import os
import subprocess
import sys

import keras
import numpy as np

from conftest import REPO

sys.path.insert(0, str(REPO / "bench"))


def test_flops_count_two_per_multiply_add_of_the_weighted_layers():
    from engines import flops_per_input

    inputs = keras.Input((10, 10, 3))
    hidden = keras.layers.Conv2D(4, 3, padding="same")(inputs)  # 100 x 4 outputs, 27 terms each
    pooled = keras.layers.GlobalAveragePooling2D()(hidden)      # not counted
    model = keras.Model(inputs, keras.layers.Dense(5)(pooled))  # 5 outputs, 4 terms each
    assert flops_per_input(model) == 2 * (100 * 4 * 27 + 5 * 4)


def test_the_engine_bench_runs_and_names_what_it_skips():
    run = subprocess.run(
        [sys.executable, str(REPO / "bench" / "engines.py"), "--models", "mnist1d",
         "--threads", "1", "--batches", "1"],
        capture_output=True, text=True, timeout=600, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert run.returncode == 0, run.stderr[-3000:]
    rows = {line.split()[1]: line for line in run.stdout.splitlines() if line.startswith("mnist1d")}
    assert set(rows) == {"tensorflow", "onnxruntime", "openvino"}, run.stdout
    assert "x1.00" in rows["tensorflow"]
    for engine in ("onnxruntime", "openvino"):  # measured where installed, named where not
        line = rows[engine]
        assert "skipped:" in line or float(line.split("max |dp|")[1].split()[0]) < 1e-5, line
    assert np.isfinite(float(rows["tensorflow"].split()[2]))
