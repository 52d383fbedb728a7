"""Shared fixtures: paths to the real data (optional) and small synthetic HMT folders."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("VXAI_SHARED_DATA", REPO.parent / "shared" / "data"))
HMT_CLASSES = (
    "01_TUMOR", "02_STROMA", "03_COMPLEX", "04_LYMPHO",
    "05_DEBRIS", "06_MUCOSA", "07_ADIPOSE", "08_EMPTY",
)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
THREADS = os.environ.get("VXAI_TEST_THREADS")  # run the suite under another thread count


def pytest_configure(config):
    """With VXAI_TEST_THREADS=N, TensorFlow, BLAS and OpenMP (torch in the Captum process
    too) run on N threads: other threads split reductions differently, as other machines do."""
    if not THREADS:
        return
    os.environ["OMP_NUM_THREADS"] = THREADS
    import tensorflow as tf
    from threadpoolctl import threadpool_limits

    threadpool_limits(int(THREADS))
    tf.config.threading.set_intra_op_parallelism_threads(int(THREADS))


# a test that requests one of these (directly or through another fixture) runs Snakemake
SNAKEMAKE_FIXTURES = {"smoke_run"}
_RUNNING = {}


def pytest_collection_modifyitems(items):
    """The markers follow the fixtures: `-m "not workflow"` leaves out every test that needs
    a Snakemake run, `-m "not realdata"` every test of the shared HMT tiles."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if SNAKEMAKE_FIXTURES & fixtures:
            item.add_marker(pytest.mark.workflow)
        if "real_hmt" in fixtures:
            item.add_marker(pytest.mark.realdata)


@pytest.fixture(autouse=True)
def _running_test(request):
    """Remember the running test, so that `snakemake()` can refuse an unmarked one."""
    _RUNNING["item"] = request.node
    yield
    _RUNNING.pop("item", None)


NO_REAL_DATA = "real data not available"
# under CI (.ci/run sets VXAI_STRICT=1) every reference package, the browser, TeX and SLURM
# are installed: a test that skips for want of one fails instead; only missing real data skips
STRICT = os.environ.get("VXAI_STRICT") == "1"


def shared(*parts):
    """A path under the shared real data, or skip the test when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{NO_REAL_DATA}: {path} (set VXAI_SHARED_DATA)")
    return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under VXAI_STRICT=1 a skip is a failure, unless the shared real data is absent."""
    report = (yield).get_result()
    if STRICT and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if not reason.startswith(f"Skipped: {NO_REAL_DATA}"):
            report.outcome = "failed"
            report.longrepr = (f"{item.nodeid} skipped under VXAI_STRICT=1, where CI installs "
                               f"every reference, the browser, TeX and SLURM: {reason}")


def install_plugin(folder, package, text, group):
    """A package `package` with the module `toy` named under the entry-point `group`, as pip
    would install it into `folder` (to put on the path); returns `folder`."""
    (folder / package).mkdir(parents=True)
    (folder / package / "__init__.py").write_text("")
    (folder / package / "toy.py").write_text(textwrap.dedent(text))
    info = folder / f"{package}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {package.replace('_', '-')}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[{group}]\ntoy = {package}.toy\n")
    return folder


def linear_softmax(weights):
    """predict(x) of a linear softmax model over the flattened input."""
    def predict(x):
        logits = x.reshape(len(x), -1) @ weights
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return predict


def synthetic_tile(label, index, size=150):
    """A deterministic RGB tile whose colour depends on the class."""
    rng = np.random.default_rng(1000 * label + index)
    base = np.array([30 * label, 255 - 25 * label, 120], dtype=np.int16)
    noise = rng.integers(-20, 21, size=(size, size, 3))
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def write_tiles(root, splits=("HMT_train", "HMT_test"), per_class=(3, 2), fmt="tif",
                classes=HMT_CLASSES):
    """Write a synthetic HMT tree: root/<split>/<class>/<n>.<fmt> (splits=None: Zenodo layout)."""
    root = Path(root)
    layout = [(None, per_class[0])] if splits is None else list(zip(splits, per_class))
    for split, count in layout:
        for label, klass in enumerate(classes):
            folder = root / klass if split is None else root / split / klass
            folder.mkdir(parents=True, exist_ok=True)
            for i in range(count):
                tile = synthetic_tile(HMT_CLASSES.index(klass), i + (0 if split != "HMT_test" else 100))
                Image.fromarray(tile).save(folder / f"tile{i:03d}.{fmt}")
    return root


@pytest.fixture(scope="session")
def real_hmt():
    """The shared HMT dataset extracted once per session: (arrays, manifest)."""
    from vxai.data.hmt import extract

    return extract(shared("hmt_dataset"))


@pytest.fixture
def hmt_course(tmp_path):
    return write_tiles(tmp_path / "hmt_dataset")


pytest_plugins = ["pytester"]  # test_markers runs pytest on a probe

SNAKEFILE = REPO / "workflow" / "Snakefile"
# the smoke profile as a user runs it from the repository: config.yaml, smoke.yaml on top (a
# test's working directory has no config/config.yaml for the Snakefile's `configfile:` to find)
SMOKE_FILES = [REPO / "config" / name for name in ("config.yaml", "smoke.yaml")]
SMOKE = ["--configfile", *map(str, SMOKE_FILES)]


def smoke_config():
    """The config of a smoke run: SMOKE_FILES merged as Snakemake merges them."""
    from vxai.configs import merge_configs

    return merge_configs(*(yaml.safe_load(path.read_text()) for path in SMOKE_FILES))


def snakemake(workdir, *args, timeout=2700, env=None):
    """Run snakemake on this repository's workflow in `workdir`; return the completed process.
    The timeout only guards against a hang: machines of the same kind differ up to 3x in
    speed, and the smoke run takes 8-9 minutes on an idle fast one."""
    item = _RUNNING.get("item")
    if item is not None and item.get_closest_marker("workflow") is None:
        raise AssertionError(f"{item.nodeid} runs Snakemake but is not marked `workflow`: "
                             "`-m 'not workflow'` would run it")
    command = [sys.executable, "-m", "snakemake", "-s", str(SNAKEFILE), "-d", str(workdir), *args]
    return subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=timeout,
                          env=env)


def provide_hmt_inputs(workdir):
    """Link the real HMT tiles and model into resources/ when they exist, else write a tiny
    synthetic course-layout folder (then the VGG-7 is trained). Returns 'real' or 'synthetic'."""
    (workdir / "resources" / "models").mkdir(parents=True)
    if (SHARED_DATA / "hmt_dataset").exists() and (SHARED_DATA / "models" / "HMT.h5").exists():
        os.symlink(SHARED_DATA / "hmt_dataset", workdir / "resources" / "hmt_dataset")
        os.symlink(SHARED_DATA / "models" / "HMT.h5", workdir / "resources" / "models" / "HMT.h5")
        return "real"
    write_tiles(workdir / "resources" / "hmt_dataset", per_class=(4, 2))
    return "synthetic"


@pytest.fixture(scope="session")
def module_log(tmp_path_factory):
    """A folder where the smoke run's jobs record the library modules they loaded
    (tests/workflow/module_recorder.py, installed as `sitecustomize`)."""
    return tmp_path_factory.mktemp("smoke-modules")


def recording_env(log):
    """The environment of a Snakemake run whose jobs record their loaded modules in `log`."""
    site = log / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(
        (REPO / "tests" / "workflow" / "module_recorder.py").read_text())
    user_path = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), *user_path]),
            "VXAI_MODULE_LOG": str(log), "VXAI_RECORD_UNDER": str(REPO / "src")}


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory, module_log):
    """One complete run of config/smoke.yaml, shared by the workflow and reliability tests:
    (working directory, 'real' or 'synthetic' HMT inputs, config arguments). Its jobs record
    the library modules they load in `module_log`."""
    workdir = tmp_path_factory.mktemp("smoke")
    inputs = provide_hmt_inputs(workdir)
    run = snakemake(workdir, "--cores", "2", *SMOKE, env=recording_env(module_log))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-5000:]
    return workdir, inputs, SMOKE


@pytest.fixture(scope="session")
def loaded_modules(smoke_run, module_log):
    """{(rule, 'key=value, ...' wildcards): the library files the job loaded} of the smoke run."""
    import json

    found = {}
    for path in module_log.glob("*.json"):
        record = json.loads(path.read_text())
        found[(record["rule"], record["wildcards"])] = {Path(f) for f in record["files"]}
    return found
