"""The appendix templates rendered from a small fixture of tables and figures made by the
library's own functions: the numbers in the HTML and LaTeX equal those in the CSVs, and the
LaTeX compiles with pdflatex where TeX is installed."""

import hashlib
import json
import re
import shutil
import subprocess
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402

from conftest import REPO  # noqa: E402
from vxai.evaluation import classification_metrics, confusion_tables, ranked_confusions  # noqa: E402
from vxai.stages.summary import summarize_scores  # noqa: E402
from vxai.report import render_appendix  # noqa: E402

METHODS = ["gradcam", "integrated_gradients", "kernelshap", "random_map"]


def figure(path, seed):
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot(np.random.default_rng(seed).normal(size=10))
    fig.savefig(path, dpi=50)
    plt.close(fig)
    return str(path)


def scores_table(rng, class_names, n=20):
    labels = rng.integers(0, len(class_names), n)
    table = pd.DataFrame({"id": np.arange(n), "label": labels,
                          "label_name": np.asarray(class_names)[labels],
                          "correct": rng.random(n) < 0.7, "kept_fraction": rng.uniform(0.2, 0.3, n)})
    for variant in ("", "_exact", "_soft"):
        table["drop" + variant] = rng.uniform(0, 1, n)
        table["increase" + variant] = rng.random(n) < 0.3
    table["deletion_auc"], table["insertion_auc"] = rng.uniform(0, 1, n), rng.uniform(0, 1, n)
    return table


@pytest.fixture
def fixture_inputs(tmp_path):
    """Results of two datasets with four methods each, written like the pipeline writes them."""
    rng = np.random.default_rng(0)
    results, config = tmp_path / "results", yaml.safe_load((REPO / "config" / "smoke.yaml").read_text())
    inputs = {key: [] for key in ("sanity", "metrics", "ranked", "confusion", "info", "eval_figures",
                                  "galleries", "curves", "misclassified", "convergence",
                                  "train_benchmarks",
                                  "benchmarks")}
    score_tables = {}
    for dataset, k in (("mnist1d", 3), ("hmt", 2)):
        config[dataset]["methods"] = {m: config[dataset]["methods"][m] for m in METHODS}
        names = [f"{dataset}_class{i}" for i in range(k)]
        labels = rng.integers(0, k, 30)
        probs = rng.dirichlet(np.ones(k), 30)
        folder = results / dataset / "eval"
        folder.mkdir(parents=True)
        metrics = classification_metrics(labels, probs, names)
        counts, _ = confusion_tables(labels, probs.argmax(axis=1), names)
        counts.to_csv(folder / "confusion.csv")
        ranked = ranked_confusions(counts)
        ranked.to_csv(folder / "confusions_ranked.csv", index=False)
        top = ranked[ranked["kind"] == "unordered"].iloc[0]  # as evaluate_model adds it
        metrics["most_confused_pair"] = {"classes": [top["class_a"], top["class_b"]],
                                         "count": int(top["count"])}
        (folder / "metrics.json").write_text(json.dumps(metrics))
        info = {"dataset": dataset, "input_shape": [40, 1], "origin": "trained", "epochs": 4,
                "parameters": 123}
        (results / "models").mkdir(exist_ok=True)
        (results / "models" / f"{dataset}_info.json").write_text(json.dumps(info))
        inputs["metrics"].append(str(folder / "metrics.json"))
        inputs["confusion"].append(str(folder / "confusion.csv"))
        inputs["ranked"].append(str(folder / "confusions_ranked.csv"))
        inputs["info"].append(str(results / "models" / f"{dataset}_info.json"))
        inputs["eval_figures"] += [figure(folder / f"{key}.png", i)
                                   for i, key in enumerate(("curves", "roc", "confusion", "cases"))]
        inputs["galleries"].append(figure(results / dataset / "figures" / "maps_gallery.png", 5))
        inputs["curves"].append(figure(results / dataset / "figures" / "curves.png", 6))
        inputs["misclassified"].append(figure(results / dataset / "figures" / "misclassified.png", 7))
        inputs["convergence"].append(figure(results / dataset / "figures" / "convergence.png", 8))
        for method in METHODS:
            path = results / dataset / "scores" / f"{method}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            table = scores_table(rng, names)
            if method == "kernelshap":
                table["efficiency_error"] = rng.uniform(0, 1e-6, len(table))
            table.to_csv(path, index=False)
            score_tables.setdefault(dataset, {})[method] = str(path)
            sanity = results / dataset / "sanity" / f"{method}.csv"
            sanity.parent.mkdir(parents=True, exist_ok=True)
            pd.DataFrame({"step": [1, 2], "randomized_down_to": ["dense", "conv"], "n": 4,
                          "spearman_mean": rng.uniform(-1, 1, 2), "spearman_std": 0.1}).to_csv(sanity, index=False)
            inputs["sanity"].append(str(sanity))
            bench = tmp_path / "benchmarks" / dataset / "explain" / f"{method}_shard0.tsv"
            bench.parent.mkdir(parents=True, exist_ok=True)
            bench.write_text("s\th:m:s\n%.2f\t0:00:01\n" % rng.uniform(1, 9))
            inputs["benchmarks"].append(str(bench))
    summary = {name: str(results / "summary" / file) for name, file in [
        ("faithfulness", "faithfulness.csv"), ("comparison", "method_comparison.csv"),
        ("figure", "faithfulness.png")]}
    summarize_scores(score_tables, 0, **summary)
    manifest = results / "data" / "hmt_manifest.csv"
    manifest.parent.mkdir(parents=True)
    manifest.write_text("id,split,label,sha256\nt0,test,0,abc\n")
    report = REPO / "report"
    namespace = SimpleNamespace(
        template=str(report / "appendix.html.j2"), latex=str(report / "appendix.tex.j2"),
        cards=str(report / "method_cards.yaml"), references=str(report / "references.bib"),
        faithfulness=summary["faithfulness"], comparison=summary["comparison"],
        manifest=str(manifest), faithfulness_plot=summary["figure"],
        **inputs)
    return namespace, config, results / "report"


def test_numbers_in_the_html_and_latex_equal_the_csvs(fixture_inputs):
    inputs, config, folder = fixture_inputs
    html, tex = folder / "appendix.html", folder / "appendix.tex"
    render_appendix(inputs, config, ["mnist1d", "hmt"], html, tex, folder / "references.bib")
    page, latex = html.read_text(), tex.read_text()
    summary = pd.read_csv(inputs.faithfulness).query("subset == 'all'")
    for row in summary.itertuples():
        cells = re.search(rf'<tr data-method="{row.method}"><td>{row.dataset}</td><td>{row.method}</td>'
                          r"<td>all</td><td>(\d+)</td>\s*<td>([\d.]+) \[([\d.]+), ([\d.]+)\]</td>", page)
        assert cells, (row.dataset, row.method)
        assert int(cells[1]) == row.n
        # the cells print two decimals: rounding moves a value by at most 0.005
        assert [float(v) for v in cells.group(2, 3, 4)] == pytest.approx(
            [row.drop_pct, row.drop_pct_lo, row.drop_pct_hi], abs=0.006)
        assert f"{row.drop_pct:.2f} [{row.drop_pct_lo:.1f}, {row.drop_pct_hi:.1f}]" in latex
    for path in inputs.metrics:
        accuracy = 100 * json.loads(open(path).read())["accuracy"]
        assert f"{accuracy:.2f} %" in page and f"{accuracy:.2f}\\,\\%" in latex
    for dataset in ("mnist1d", "hmt"):  # every configured method has a row and a card
        for method in METHODS:
            assert f'<tr data-method="{method}"><td>{method}</td>' in page
            assert f'data-card="{method}"' in page
    assert r"\cite{lundberg2017shap}" in latex and "@inproceedings{lundberg2017shap" in (
        folder / "references.bib").read_text()
    assert "efficiency error" in page and not re.search(r"\bnan\b", latex)
    digest = hashlib.sha256(open(inputs.manifest, "rb").read()).hexdigest()
    assert digest in page and digest[:16] in latex


def test_the_latex_appendix_compiles_and_page_one_renders(fixture_inputs):
    if not (shutil.which("pdflatex") and shutil.which("bibtex") and shutil.which("pdftoppm")):
        pytest.skip("no TeX installation (pdflatex, bibtex) or pdftoppm; .ci/run installs them")
    inputs, config, folder = fixture_inputs
    render_appendix(inputs, config, ["mnist1d", "hmt"], folder / "appendix.html",
                    folder / "appendix.tex", folder / "references.bib")
    for command in (["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "appendix.tex"],
                    ["bibtex", "appendix"],
                    ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "appendix.tex"],
                    ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "appendix.tex"]):
        run = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stdout[-3000:]
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", "appendix.pdf", "page"],
                   cwd=folder, check=True, timeout=60)
    assert max(p.stat().st_size for p in folder.glob("page*.png")) > 1000
    assert "Citation" not in (folder / "appendix.log").read_text()  # every \cite resolved
