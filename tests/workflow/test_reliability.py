"""Reliability on the smoke config: only stale jobs rerun, reruns reproduce results,
interrupted runs resume cleanly, and mistakes get one clear message."""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest
import yaml

from conftest import REPO, SMOKE, SNAKEFILE, smoke_config, snakemake, write_tiles
from vxai.methods.registry import specs

pytestmark = pytest.mark.workflow


def dry_run(workdir, *args):
    """{(rule, 'key=value, ...' wildcards): {'input': [...], 'output': [...], 'reason': ...}}
    of the jobs a dry run lists."""
    run = snakemake(workdir, "-n", *args)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    jobs = {}
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", run.stdout):
        match = re.match(r"(?:local)?rule (\w+):", block)
        if match:
            fields = dict(re.findall(r"^ {4}(\w+): (.*)$", block, re.MULTILINE))
            fields["input"] = fields.get("input", "").split(", ")
            fields["output"] = fields.get("output", "").split(", ")
            jobs[(match[1], fields.get("wildcards", ""))] = fields
    return jobs


def planned_jobs(workdir, *configs):
    """The jobs a dry run would run, as a set of (rule, 'key=value, ...' wildcards)."""
    return set(dry_run(workdir, *(configs or SMOKE)))


def with_override(workdir, name, text):
    """The smoke config followed by an override file written into the working directory."""
    path = workdir / name
    path.write_text(text)
    return [*SMOKE, str(path)]


@contextlib.contextmanager
def edited(path, comment):
    """Append a comment to `path` for the duration of the block, then restore it exactly.
    (Snakemake compares input checksums: a mere touch does not make a job stale.)"""
    original, before = path.read_bytes(), path.stat()
    path.write_bytes(original + comment.encode())
    try:
        yield
    finally:
        path.write_bytes(original)
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


SUMMARY_JOBS = {(rule, "") for rule in ("faithfulness_summary", "paired_tests", "metric_checks",
                                         "trust_section")}
REPORT_JOBS = SUMMARY_JOBS | {("appendix", ""), ("explorer", ""), ("all", "")}
if shutil.which("pdflatex") and shutil.which("bibtex"):  # report: pdf: auto compiles the LaTeX
    REPORT_JOBS.add(("appendix_pdf", ""))


def test_nothing_reruns_when_nothing_changed(smoke_run):
    assert planned_jobs(smoke_run[0]) == set()


def test_a_method_parameter_reruns_only_that_methods_jobs(smoke_run):
    workdir = smoke_run[0]
    configs = with_override(workdir, "sg.yaml", "mnist1d:\n  methods:\n    smoothgrad:\n      samples: 3\n")
    jobs = planned_jobs(workdir, *configs)
    assert jobs == REPORT_JOBS | {
        ("explain", "dataset=mnist1d, method=smoothgrad, shard=0"),
        ("score", "dataset=mnist1d, method=smoothgrad"),
        ("maps_gallery", "dataset=mnist1d"),
        ("curves_figure", "dataset=mnist1d"),
    }


def test_editing_a_method_module_reruns_only_that_methods_jobs(smoke_run):
    workdir = smoke_run[0]
    # one module per method: editing DeDUCE's reruns DeDUCE's jobs alone
    module = [name for name, found in specs().items()
              if found.module == "vxai.methods.counterfactual.deduce"]
    assert module == ["deduce"]
    with edited(REPO / "src" / "vxai" / "methods" / "counterfactual" / "deduce.py",
                "\n# edited by a test\n"):
        jobs = planned_jobs(workdir)
    assert jobs == REPORT_JOBS | {
        (rule, f"dataset={d}, method={m}" + (", shard=0" if rule == "explain" else ""))
        for rule in ("explain", "score") for d in ("mnist1d", "hmt") for m in module
    } | {(figure, f"dataset={d}") for figure in ("maps_gallery", "curves_figure")
         for d in ("mnist1d", "hmt")}


LIBRARY = sorted((REPO / "src" / "vxai").rglob("*.py"))


def rule_scripts():
    """{rule: script file name}, read from the rule files."""
    text = "".join(path.read_text() for path in (REPO / "workflow" / "rules").glob("*.smk"))
    rules = re.split(r"^\s*rule (?=\w+:)", text, flags=re.MULTILINE)[1:]
    return {rule.split(":")[0]: script[1] for rule in rules
            if (script := re.search(r"scripts/(\w+\.py)", rule))}


@pytest.fixture(scope="module")
def forced_jobs(smoke_run):
    """Every job of the smoke DAG with its inputs, from one dry run with --forceall."""
    return dry_run(smoke_run[0], "--forceall", *SMOKE)


@pytest.fixture(scope="module")
def consumers(forced_jobs):
    """{job: the jobs that read its outputs} over the whole smoke DAG."""
    jobs = forced_jobs
    made_by = {path: job for job, fields in jobs.items() for path in fields["output"]}
    edges = {job: set() for job in jobs}
    for job, fields in jobs.items():
        for path in fields["input"]:
            if path in made_by:
                edges[made_by[path]].add(job)
    return edges


def with_consumers(jobs, edges):
    """The jobs and every job downstream of them."""
    found, todo = set(), list(jobs)
    while todo:
        job = todo.pop()
        if job not in found:
            found.add(job)
            todo.extend(edges[job])
    return found


def code_inputs(workdir, fields):
    """The library files among a job's inputs (as the dry run lists them, relative paths)."""
    library = REPO / "src"
    return {path for path in ((workdir / p).resolve() for p in fields["input"])
            if path.is_relative_to(library)}


def test_every_jobs_code_inputs_are_the_modules_it_loaded(smoke_run, forced_jobs,
                                                          loaded_modules):
    """Each job's library inputs are exactly the modules its process loaded in the smoke run
    (recorded from sys.modules, not predicted), those loaded by name from a registry
    included; the inputs are paths relative to the working directory, as data inputs are."""
    workdir = smoke_run[0]
    scripts = rule_scripts()
    checked = 0
    for (rule, wildcards), fields in forced_jobs.items():
        if rule not in scripts:
            continue
        assert not any(Path(p).is_absolute() for p in fields["input"]), (rule, fields["input"])
        listed = code_inputs(workdir, fields)
        loaded = loaded_modules[(rule, wildcards)]
        assert listed == loaded, (rule, wildcards, sorted(map(str, listed ^ loaded)))
        checked += 1
    assert checked > 60


# modules no job runs: the workflow runs them itself while it builds the DAG (the import graph,
# the output paths), or they are command-line entry points
NOT_IN_JOBS = {"dependencies.py", "layout.py", "methods/__main__.py", "metrics/__main__.py"}
# modules of jobs the smoke DAG does not have: the download (the smoke run has the tiles), the
# readers of your own datasets and the model check of skip_unsupported (test_own_datasets
# runs those)
NOT_IN_SMOKE = {"data/download.py", "data/images.py", "data/signals.py", "stages/support.py"}


def test_every_library_module_is_a_code_input_of_some_job(smoke_run, forced_jobs,
                                                          loaded_modules):
    """So editing any module reruns something; package `__init__.py` files that hold nothing,
    the modules of NOT_IN_JOBS (which no job loads) and those of NOT_IN_SMOKE are the only
    exceptions."""
    listed = set().union(*(code_inputs(smoke_run[0], fields) for fields in forced_jobs.values()))
    library = REPO / "src" / "vxai"
    exempt = {library / name for name in NOT_IN_JOBS | NOT_IN_SMOKE}
    unlisted = {path for path in LIBRARY
                if path not in listed and not (path.name == "__init__.py" and not path.read_text())}
    assert unlisted == exempt
    assert not {library / name for name in NOT_IN_JOBS} & set().union(*loaded_modules.values())


# editing one of these reruns the jobs that load it and their consumers, and nothing else: the
# package, a method module, metrics loaded by name through their registry, a stage, the data,
# the statistics and the report (the test above checks that each job lists exactly what it
# loads; these, that Snakemake acts on them)
EDITED = ["__init__.py", "methods/backprop/saliency.py", "metrics/road.py",
          "metrics/robustness.py", "metrics/complexity.py", "stages/summary.py", "data/hmt.py",
          "statistics/ranking.py", "report.py"]


@pytest.mark.parametrize("module", [REPO / "src" / "vxai" / name for name in EDITED],
                         ids=EDITED)
def test_editing_a_library_module_reruns_exactly_the_jobs_that_load_it(smoke_run, consumers,
                                                                       loaded_modules, module):
    """The jobs that loaded the module in the smoke run, and the jobs downstream of them."""
    loading = {job for job, files in loaded_modules.items() if module in files}
    assert loading
    with edited(module, "\n# edited by a test\n"):
        planned = planned_jobs(smoke_run[0])
    assert planned == with_consumers(loading, consumers)


def test_a_copied_project_folder_reruns_nothing(smoke_run, tmp_path_factory):
    """Code inputs are relative paths: the same project elsewhere (at the same depth, so the
    checkout is at the same relative place) is complete."""
    copy = tmp_path_factory.getbasetemp() / f"{smoke_run[0].name}-copy"
    shutil.copytree(smoke_run[0], copy, symlinks=True)
    try:
        assert planned_jobs(copy) == set()
    finally:
        shutil.rmtree(copy)


def test_touching_every_library_module_reruns_nothing(smoke_run):
    workdir = smoke_run[0]
    before = {path: path.stat() for path in LIBRARY}
    try:
        for path in LIBRARY:
            path.touch()
        assert planned_jobs(workdir) == set()
    finally:
        for path, stat in before.items():
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_mnist1d_epochs_rerun_mnist1d_downstream_and_nothing_of_hmt(smoke_run):
    workdir = smoke_run[0]
    configs = with_override(workdir, "epochs.yaml", "mnist1d:\n  train:\n    epochs: 3\n")
    jobs = planned_jobs(workdir, *configs) - REPORT_JOBS
    assert all("dataset=mnist1d" in wildcards for _, wildcards in jobs), jobs
    assert {rule for rule, _ in jobs} == {
        "train_model", "evaluate", "evaluation_figures", "explain", "score", "maps_gallery",
        "curves_figure", "misclassified_figure", "budget_convergence"}


def test_editing_the_template_reruns_only_the_report(smoke_run):
    workdir = smoke_run[0]
    with edited(REPO / "report" / "appendix.html.j2", "{# edited by a test #}\n"):
        assert planned_jobs(workdir) == REPORT_JOBS - SUMMARY_JOBS - {("explorer", "")}
    with edited(REPO / "report" / "explorer.html.j2", "{# edited by a test #}\n"):
        assert planned_jobs(workdir) == {("explorer", ""), ("all", "")}
    # the trust section's sentences rerun the trust section and the appendix, nothing else
    with edited(REPO / "src" / "vxai" / "trust.py", "\n# edited by a test\n"):
        assert planned_jobs(workdir) == REPORT_JOBS - SUMMARY_JOBS - {("explorer", "")} | {
            ("trust_section", "")}


def test_nothing_is_written_outside_the_pipeline_folders(smoke_run):
    workdir = smoke_run[0]
    allowed = {"results", "logs", "benchmarks", "resources", ".snakemake"}
    extra = {p.name for p in workdir.iterdir()} - allowed - {"sg.yaml", "epochs.yaml"}
    assert extra == set()


def wait_for(predicate, timeout=600):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError("timed out waiting for the workflow")


def running_job(process, rule_script):
    """The psutil process of a running job of the given script (e.g. 'explain.py')."""
    for child in psutil.Process(process.pid).children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if any(rule_script in part for part in child.cmdline()):
                return child
    return None


def start(workdir, configs):
    command = [sys.executable, "-m", "snakemake", "-s", str(SNAKEFILE), "-d", str(workdir),
               "--cores", "2", *configs]
    return subprocess.Popen(command, cwd=workdir, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def outputs(workdir, pattern):
    return sorted(p.relative_to(workdir) for p in workdir.glob(pattern) if p.is_file())


def ended(proc):
    """Whether a psutil process has exited (a zombie has: only its parent has not reaped it)."""
    try:
        return proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def stop_as_a_cluster_does(process, workdir, configs):
    """SIGTERM to the workflow's process group, as `scancel` or `kill -- -PGID` sends it; every
    job script must stop within the grace period. Snakemake itself can deadlock there: its
    SIGTERM handler takes the scheduler's non-reentrant lock, and hangs when the signal lands
    while the scheduler holds it (seen with Snakemake 9.27 during job selection). A cluster
    then sends SIGKILL after its grace period, and the user runs `--unlock`; so does this."""
    scripts = []
    for child in psutil.Process(process.pid).children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if any(".snakemake/scripts/" in part for part in child.cmdline()):
                scripts.append(child)
    os.killpg(process.pid, signal.SIGTERM)
    deadline = time.time() + 120
    while not all(map(ended, scripts)) and time.time() < deadline:
        time.sleep(0.5)
    assert all(map(ended, scripts)), "a job script did not stop within 120 s of SIGTERM"
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        unlocked = snakemake(workdir, "--unlock", *configs)
        assert unlocked.returncode == 0, unlocked.stderr[-2000:]
    else:
        assert process.returncode != 0


LEAN_METHODS = ("gradcam", "fullgrad", "rise", "counterfactual")
# outputs that gather every configured method: a run of LEAN_METHODS shares only their rows
# (the tables) or nothing (the figures and the report) with the smoke run
GATHERED = ("results/summary/*", "results/report/**/*", "results/*/figures/*",
            "results/*/convergence.csv")


def same_content(a, b):
    """Whether two pipeline outputs hold the same results: .npz files every array exactly,
    Keras models every weight exactly (the archive records when it was saved), any other
    file byte for byte."""
    if a.suffix == ".npz":
        with np.load(a) as first, np.load(b) as second:
            return sorted(first) == sorted(second) and all(
                np.array_equal(first[k], second[k]) for k in first)
    if a.suffix == ".keras":
        import keras

        weights = [keras.models.load_model(p, compile=False).get_weights() for p in (a, b)]
        return all(np.array_equal(wa, wb) for wa, wb in zip(*weights))
    return a.read_bytes() == b.read_bytes()


def lean_config(path):
    """The smoke config on MNIST-1D alone with four methods, written to `path`: a run of its
    own costs a fraction of the smoke run, and each job's outputs do not depend on the other
    methods or datasets."""
    config = smoke_config()
    config["run_datasets"] = ["mnist1d"]
    config["mnist1d"]["methods"] = {m: config["mnist1d"]["methods"][m] for m in LEAN_METHODS}
    config["mnist1d"]["replace_methods"] = True  # these methods, not all of config.yaml's
    config["report"]["pdf"] = False  # the report is not compared; the smoke run checks the PDF
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return ["--configfile", str(path)]


def test_interrupted_runs_resume_and_reproduce_an_uninterrupted_run(smoke_run, tmp_path):
    """Kill a job process (SIGKILL), then the workflow (SIGTERM), in the middle of explain
    jobs of a four-method MNIST-1D run; the next run completes, rerunning only unfinished jobs, and
    every file of a job's own (tables, maps, curves, figures, models) equals the
    uninterrupted smoke run's, and the summary rows of those methods are equal."""
    reference, _, _ = smoke_run
    workdir = tmp_path / "run"
    workdir.mkdir()
    configs = lean_config(tmp_path / "lean.yaml")

    first = start(workdir, configs)
    # an explain job once the model exists
    trained = workdir / "results" / "models" / "mnist1d.keras"
    victim = wait_for(lambda: trained.exists() and running_job(first, ".explain.py"))
    victim.send_signal(signal.SIGKILL)
    assert first.wait(timeout=600) != 0

    second = start(workdir, configs)
    wait_for(lambda: running_job(second, ".explain.py"))
    time.sleep(2)
    stop_as_a_cluster_does(second, workdir, configs)

    done_before = {p for p in outputs(workdir, "results/**/*") if not p.name.startswith(".")}
    assert not [p for p in outputs(workdir, "results/**/*") if ".tmp-" in p.name]
    remaining = planned_jobs(workdir, *configs)
    assert ("mnist1d_data", "") not in remaining and ("train_model", "dataset=mnist1d") not in remaining
    final = snakemake(workdir, "--cores", "2", *configs)
    assert final.returncode == 0, final.stderr[-3000:]
    assert done_before  # the first phases did finish some jobs, which were kept

    # every file of the run: same machine, threads and op determinism give exactly the same
    # numbers; the outputs that gather all methods are compared on the rows both runs have
    gathered = {p for pattern in GATHERED for p in outputs(workdir, pattern)}
    compared = [p for p in outputs(workdir, "results/**/*")
                if (workdir / p).is_file() and not p.name.startswith(".") and p not in gathered]
    assert len(compared) > 25 and {p.suffix for p in compared} >= {".csv", ".json", ".npz",
                                                                    ".keras", ".png"}
    differ = [str(p) for p in compared if not same_content(reference / p, workdir / p)]
    assert not differ, f"{len(differ)} files differ: {differ}"
    by_method = [Path("results/summary/faithfulness.csv")] + outputs(workdir, "results/*/convergence.csv")
    for table in by_method:  # rows of the methods both runs have; values exactly equal, but a
        # column whose rows here are all whole numbers reads back as integers
        expected = pd.read_csv(reference / table).query("method in @LEAN_METHODS")
        if "dataset" in expected:
            expected = expected.query("dataset == 'mnist1d'")
        pd.testing.assert_frame_equal(pd.read_csv(workdir / table), expected.reset_index(drop=True),
                                      check_dtype=False, check_exact=True)


def failed_run(workdir, *args):
    run = snakemake(workdir, "--cores", "1", *args)
    assert run.returncode != 0
    return run.stdout + run.stderr


def test_offline_download_failure_explains_the_manual_fix(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    configs = with_override(tmp_path, "offline.yaml", f"hmt:\n  url: http://127.0.0.1:{port}/k.zip\n")
    text = failed_run(tmp_path, "results/data/hmt.npz", *configs)
    assert "could not download" in text and "by hand" in text
    assert not list((tmp_path / "resources").glob("*.zip*"))


def test_a_corrupt_tile_stops_extraction_naming_it(tmp_path):
    root = write_tiles(tmp_path / "resources" / "hmt_dataset", per_class=(1, 1))
    (root / "HMT_test" / "03_COMPLEX" / "tile000.tif").write_bytes(b"garbage")
    text = failed_run(tmp_path, "results/data/hmt.npz", *SMOKE)
    assert "HMT_test/03_COMPLEX/tile000.tif' is not a readable image" in text
    assert not (tmp_path / "results" / "data" / "hmt.npz").exists()


def test_a_model_file_that_does_not_load_is_named(tmp_path):
    write_tiles(tmp_path / "resources" / "hmt_dataset", per_class=(1, 1))
    (tmp_path / "resources" / "models").mkdir(parents=True)
    (tmp_path / "resources" / "models" / "HMT.h5").write_bytes(b"not a model")
    text = failed_run(tmp_path, "results/models/hmt.keras", *SMOKE)
    assert "resources/models/HMT.h5' could not be loaded" in text
    assert not (tmp_path / "results" / "models" / "hmt.keras").exists()


@pytest.mark.parametrize("text, message", [
    ("mnist1d:\n  methods:\n    gradcamm: null\n",
     r"config 'mnist1d: methods: gradcamm': unknown attribution method 'gradcamm'; known "
     r"methods: ablationcam, cam, gradcam, "),
    ("hmt:\n  methods:\n    rise:\n      mask: 10\n",
     r"config 'hmt: methods: rise': method 'rise' has no parameter\(s\) mask; it accepts: masks"),
    ("hmt:\n  keep_fraction: 1.5\n", r"1\.5 is greater than the maximum of 1"),
    ("mnist1d:\n  keep_fraction: -0.5\n", r"-0\.5 is less than or equal to the minimum of 0"),
    ("mnist1d:\n  keep_fracton: 0.3\n", r"'keep_fracton' was unexpected"),
    ("hmt:\n  methods:\n    smoothgrad:\n      samples: -5\n", r"-5 is less than the minimum of 1"),
    ("mnist2d:\n  methods: {}\n", r"'mnist2d' was unexpected"),
    ("hmt:\n  explain:\n    samples: {rsie: 8}\n",
     r"config 'hmt: explain: samples: rsie': unknown attribution method; known methods: "),
    ("hmt:\n  explain:\n    samples: {rise: 0}\n", r"0 is less than the minimum of 1"),
], ids=["unknown-method", "unknown-parameter", "k-above-1", "k-negative", "misspelled-key", "negative-samples",
        "unknown-dataset", "subset-of-unknown-method", "empty-subset"])
def test_config_mistakes_are_caught_at_start_up(tmp_path, text, message):
    configs = with_override(tmp_path, "bad.yaml", text)
    run = snakemake(tmp_path, "-n", *configs)
    assert run.returncode != 0
    assert re.search(message, run.stdout + run.stderr), (run.stdout + run.stderr)[-2000:]
