"""The Snakemake workflow: lint and format, the default DAG, and a full smoke run."""

import re
from html import unescape
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from conftest import REPO, smoke_config, snakemake, write_tiles
from vxai.methods.registry import ordered, specs


def job_counts(output):
    """The 'Job stats' table of a snakemake run, as {rule: count}."""
    table = output.split("Job stats:")[1].split("total")[0]
    return {m[0]: int(m[1]) for m in re.findall(r"^(\w+)\s+(\d+)$", table, re.MULTILINE)}

pytestmark = pytest.mark.workflow  # every test here runs Snakemake, dry or real


def test_lint_and_snakefmt_are_clean():
    lint = subprocess.run([sys.executable, "-m", "snakemake", "--lint"], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "Congratulations, your workflow is in a good condition" in lint.stdout + lint.stderr
    fmt = subprocess.run(["snakefmt", "--check", "workflow"], cwd=REPO, capture_output=True,
                         text=True, timeout=300)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_dry_run_of_the_default_config_lists_every_job(tmp_path):
    config = ["--configfile", str(REPO / "config" / "config.yaml")]
    fresh = snakemake(tmp_path, "-n", *config)
    assert fresh.returncode == 0, fresh.stderr
    counts = job_counts(fresh.stdout)
    default = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    methods = sum(len(default[d]["methods"]) for d in ("mnist1d", "hmt"))
    shards = sum(len(default[d]["methods"]) * default[d]["explain"]["shards"]
                 for d in ("mnist1d", "hmt"))
    assert counts == {
        "hmt_download": 1, "mnist1d_data": 1, "hmt_data": 1, "train_model": 2, "evaluate": 2,
        "explain": shards, "evaluation_figures": 8, "maps_gallery": 2, "curves_figure": 2,
        "misclassified_figure": 2, "budget_convergence": 2, "score": methods,
        "faithfulness_summary": 1, "paired_tests": 1, "metric_checks": 1, "trust_section": 1,
        "appendix": 1, "explorer": 1, "all": 1,
        **({"appendix_pdf": 1} if tex_installed() else {}),  # report: pdf: auto
    }
    # every registered method (the two baselines included) on both datasets
    assert {m for d in ("mnist1d", "hmt") for m in default[d]["methods"]} == set(specs())
    assert methods == 2 * len(specs())
    # with the course's inputs in resources/: no download, the HMT model is imported
    write_tiles(tmp_path / "resources" / "hmt_dataset", per_class=(1, 1))
    (tmp_path / "resources" / "models").mkdir(parents=True)
    (tmp_path / "resources" / "models" / "HMT.h5").write_bytes(b"placeholder")
    provided = snakemake(tmp_path, "-n", *config)
    assert provided.returncode == 0, provided.stderr
    counts = job_counts(provided.stdout)
    assert "hmt_download" not in counts
    assert counts["import_model"] == 1 and counts["train_model"] == 1
    assert counts["evaluation_figures"] == 7  # no training curves for an imported model


def test_the_course_profile_imports_both_models_and_runs_only_its_methods(tmp_path):
    write_tiles(tmp_path / "resources" / "hmt_dataset", per_class=(1, 1))
    (tmp_path / "resources" / "models").mkdir(parents=True)
    for name in ("HMT.h5", "MNIST1D.h5"):
        (tmp_path / "resources" / "models" / name).write_bytes(b"placeholder")
    configs = [str(REPO / "config" / name) for name in ("config.yaml", "course.yaml")]
    run = snakemake(tmp_path, "-n", "--configfile", *configs)
    assert run.returncode == 0, run.stderr
    counts = job_counts(run.stdout)
    assert counts["import_model"] == 2 and "train_model" not in counts
    # its methods: sections replace the default lists: Grad-CAM and SISE, and RISE on HMT
    assert counts["explain"] == 5 and counts["score"] == 5  # one shard each
    assert "results/mnist1d/maps/sise/shard0.npz" in run.stdout
    assert "results/mnist1d/maps/rise/" not in run.stdout


def test_smoke_run_renders_the_appendix(smoke_run):
    workdir, inputs, configs = smoke_run
    html = (workdir / "results" / "report" / "appendix.html").read_text()
    assert "Task 1: MNIST-1D classification" in html and "Task 3: HMT, evaluation" in html
    origin = "imported pretrained model" if inputs == "real" else "trained by this pipeline"
    assert origin in html
    assert not list(workdir.glob("results/**/.*tmp*")), "temporary files left behind"
    # the size budget: galleries as JPEG keep the HTML light (18 MB with PNG galleries)
    assert (workdir / "results" / "report" / "appendix.html").stat().st_size < 10_000_000
    assert (workdir / "results" / "report" / "appendix.tex").stat().st_size > 5_000
    if tex_installed():  # report: pdf: auto
        assert (workdir / "results" / "report" / "appendix.pdf").stat().st_size > 10_000
    # a zip: a pure-HTML report cannot hold the explorer's folder
    report = snakemake(workdir, "--report", "results/report/workflow-report.zip", *configs)
    assert report.returncode == 0, report.stderr[-3000:]
    with zipfile.ZipFile(workdir / "results" / "report" / "workflow-report.zip") as archive:
        names = archive.namelist()
        page = archive.read("workflow-report/report.html").decode()
    assert len(page) > 10_000
    explorer = [Path(name).parent for name in names if name.endswith("/index.html")]
    assert len(explorer) == 1  # the explorer with its data scripts and tile files beside it
    assert {explorer[0] / "hmt.js", explorer[0] / "mnist1d.js", explorer[0] / "hmt" / "0.jpg"} \
        <= {Path(name) for name in names}
    # labels by the names people read, not config keys
    assert all(name in page for name in ("MNIST-1D", "Grad-CAM", "Integrated Gradients"))


def test_smoke_run_scores_reproducibility_beside_every_method(smoke_run):
    import pandas as pd

    from vxai.methods import spec

    workdir, _, _ = smoke_run
    summary = pd.read_csv(workdir / "results" / "summary" / "faithfulness.csv").query(
        "subset == 'all'")
    for row in summary.itertuples():
        assert row.reproducibility_n > 0 and 0 <= row.unexplained_pct <= 100, row.method
        if not spec(row.method).stochastic:
            assert row.reproducibility == 1, row.method
        elif row.method == "random_map":  # two independent noise maps
            assert abs(row.reproducibility) < 0.3, (row.dataset, row.reproducibility)
        else:  # the smoke budgets are tiny: a second seed gives other maps
            assert row.reproducibility < 1, (row.dataset, row.method, row.reproducibility)
    assert (summary.query("method == 'constant_map'")["unexplained_pct"] == 100).all()
    for dataset in ("mnist1d", "hmt"):
        table = pd.read_csv(workdir / "results" / dataset / "convergence.csv")
        assert {"rise", "integrated_gradients"} <= set(table["method"])
        assert table["road_morf_auc"].notna().all()
        assert (table.query("method == 'integrated_gradients'")["reproducibility"] == 1).all()
    html = (workdir / "results" / "report" / "appendix.html").read_text()
    assert html.count('<table class="budgets"') == 2


TITLE_KEYS = {"MNIST-1D": "mnist1d", "HMT": "hmt"}


def test_smoke_run_ranks_the_methods_and_checks_the_metrics(smoke_run):
    import numpy as np
    import pandas as pd
    from scipy.stats import studentized_range, wilcoxon

    workdir, _, _ = smoke_run
    summary = workdir / "results" / "summary"
    pairs = pd.read_csv(summary / "paired_tests.csv")
    ranks = pd.read_csv(summary / "criterion_ranks.csv")
    checks = pd.read_csv(summary / "metric_checks.csv")
    critical = pd.read_csv(summary / "critical_difference.csv")
    comparison = pd.read_csv(summary / "method_comparison.csv").query("subset == 'all'")
    overall = pd.read_csv(summary / "faithfulness.csv").query("subset == 'all'")
    taus = pd.read_csv(summary / "metric_agreement.csv")
    for dataset in ("mnist1d", "hmt"):
        against = pairs.query("dataset == @dataset and method_a == 'gradcam' and "
                              "method_b == 'random_map' and metric == 'drop_pct'")
        assert len(against) == 1
        assert np.isfinite(against[["difference", "difference_lo", "difference_hi", "p",
                                    "p_holm"]].to_numpy()).all()
        # the row recomputed from the two methods' per-sample scores: the paired difference
        # (lower drop is better, so a positive difference is Grad-CAM's lower Drop%) and
        # SciPy's Wilcoxon p on the samples both explained
        both = pd.read_csv(workdir / "results" / dataset / "scores" / "gradcam.csv").merge(
            pd.read_csv(workdir / "results" / dataset / "scores" / "random_map.csv"),
            on="id", suffixes=("_a", "_b"))
        d = 100 * (both["drop_b"] - both["drop_a"]).to_numpy()
        assert against["n"].item() == len(both)
        assert against["difference"].item() == pytest.approx(d.mean(), rel=1e-5, abs=1e-9)
        # (SciPy's exact null without ties or zeros up to n = 50, else its normal approximation)
        plain = len(d) <= 50 and len(np.unique(np.abs(d))) == len(d) and d.all()
        reference = wilcoxon(d, method="exact" if plain else "approx").pvalue if d.any() else 1
        assert against["p"].item() == pytest.approx(reference, rel=1e-5)
        expected = ("not different" if not against["p_holm"].item() < 0.05 else
                    "better" if d.mean() > 0 else "worse")
        assert against["verdict"].item() == expected
        mine = ranks.query("dataset == @dataset and method == 'gradcam'")
        assert {"faithfulness", "robustness", "complexity"} <= set(mine["criterion"])
        assert np.isfinite(mine[["mean_rank", "place", "place_lo", "place_hi"]].to_numpy()).all()
        assert (mine["place_lo"] <= mine["place"]).all() and (mine["place"] <= mine["place_hi"]).all()
        assert np.isfinite(checks.query("dataset == @dataset")["reliability"]).any()
        for row in critical.query("dataset == @dataset").drop_duplicates("criterion").itertuples():
            k = (critical.query("dataset == @dataset")["criterion"] == row.criterion).sum()
            q = studentized_range.ppf(0.95, k, np.inf) / np.sqrt(2)  # Demsar 2006, eq. (3)
            # the CSV keeps six significant digits
            assert row.cd == pytest.approx(q * np.sqrt(k * (k + 1) / (6 * row.samples)), rel=1e-5)
        row = comparison.query("dataset == @dataset and method_a == 'gradcam' and "
                               "method_b == 'random_map'")
        assert np.isfinite(row["drop_pct_difference"]).all()
        blur = overall.query("dataset == @dataset and method == 'gradcam'")
        assert np.isfinite(blur[["drop_blur_pct", "drop_blur_pct_lo", "drop_blur_pct_hi",
                                 "increase_blur_pct"]].to_numpy()).all()
        both = taus.query("dataset == @dataset and metric_a in ('drop_pct', 'drop_blur_pct') "
                          "and metric_b in ('drop_pct', 'drop_blur_pct')")
        assert len(both) == 1 and np.isfinite(both["tau"]).all()
    for row in checks.query("dataset == 'mnist1d'").dropna(subset=["ground_truth"]).itertuples():
        # passes exactly when both localization correlations are positive and significant
        passes = all(getattr(row, f"rho_{gt}") > 0 and getattr(row, f"p_{gt}") < 0.05
                     for gt in ("relevance_mass", "template_iou"))
        assert row.ground_truth == ("passes" if passes else "fails"), row.metric
    assert checks.query("dataset == 'mnist1d'")["ground_truth"].notna().sum() >= 10
    assert checks.query("dataset == 'hmt'")["ground_truth"].isna().all()
    html = (workdir / "results" / "report" / "appendix.html").read_text()
    assert html.count('<ul class="trust-sentences"') == 2
    assert 'alt="Critical-difference diagrams"' in html
    assert "There is no ground truth for the maps on this dataset" in html
    blur = unescape(re.search(r'<h3 id="metric-blur_baseline">.*?</table>', html, re.S)[0])
    for dataset in ("MNIST-1D", "HMT"):  # the rank agreement between the two baselines
        tau = re.search(rf"{dataset}: Kendall's tau with Drop% (-?[\d.]+) over (\d+) methods",
                        blur)
        expected = taus.query("dataset == @TITLE_KEYS[@dataset] and metric_a in "
                              "('drop_pct', 'drop_blur_pct') and metric_b in "
                              "('drop_pct', 'drop_blur_pct')")
        assert float(tau[1]) == pytest.approx(float(expected["tau"].iloc[0]), abs=0.006)
        assert int(tau[2]) == int(expected["n"].iloc[0])


BROWSER_PROBE = """<script>
window.__errors = [];
window.addEventListener("error", e => window.__errors.push(String(e.message || e.target.src || e.target.href).slice(0, 200)), true);
const original = console.error;
console.error = (...args) => { window.__errors.push(args.join(" ").slice(0, 200)); original(...args); };
window.addEventListener("load", () => {
  const images = [...document.images];
  const methods = [...document.querySelectorAll("table.methods tr[data-method]")].map(r => r.dataset.method);
  document.title = "PROBE" + JSON.stringify({images: images.length,
    broken: images.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.alt),
    methods: methods, errors: window.__errors});
});
</script>"""


def tex_installed():
    import shutil

    return bool(shutil.which("pdflatex") and shutil.which("bibtex"))


def chromium():
    import shutil

    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def test_appendix_in_headless_chromium(smoke_run, tmp_path):
    """Every image decodes (natural width > 0), no console or load errors, and the method
    tables list every configured method; a screenshot is kept next to the appendix."""
    browser = chromium()
    if browser is None:
        pytest.skip("no Chromium on this machine (.ci/run installs Debian's chromium)")
    workdir, _, _ = smoke_run
    appendix = workdir / "results" / "report" / "appendix.html"
    probed = tmp_path / "appendix.html"
    probed.write_text(appendix.read_text().replace("<head>", "<head>" + BROWSER_PROBE, 1))
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=20000"]
    dom = subprocess.run([browser, *flags, "--dump-dom", probed.as_uri()], capture_output=True,
                         text=True, timeout=180)
    title = re.search(r"<title>PROBE(.*?)</title>", dom.stdout, re.S)
    assert title, dom.stderr[-2000:]
    import html
    import json

    probe = json.loads(html.unescape(title[1]))
    assert probe["images"] > 10 and probe["broken"] == [], probe["broken"]
    assert probe["errors"] == []
    config = smoke_config()
    configured = [m for d in ("mnist1d", "hmt") for m in ordered(config[d]["methods"])]
    assert probe["methods"] == configured  # in the registry's order, not the config's
    screenshot = workdir / "results" / "report" / "appendix.png"
    subprocess.run([browser, *flags, "--window-size=1280,2400", f"--screenshot={screenshot}",
                    appendix.as_uri()], capture_output=True, timeout=180)
    assert screenshot.stat().st_size > 10_000
