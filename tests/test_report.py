"""The appendix templates rendered from a small fixture of tables and figures made by the
library's own functions: the numbers in the HTML and LaTeX equal those in the CSVs, and the
LaTeX compiles with pdflatex where TeX is installed."""

import hashlib
import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from conftest import REPO, smoke_config  # noqa: E402
from vxai.data import TITLES  # noqa: E402
from vxai.evaluation import classification_metrics, confusion_tables, ranked_confusions  # noqa: E402
from vxai.methods.registry import ordered, spec  # noqa: E402
from vxai.stages.summary import (  # noqa: E402
    check_metrics, compare_and_rank, summarize_faithfulness)
from vxai.stages.trust import write_trust  # noqa: E402
from vxai.report import render_appendix, tex_escape  # noqa: E402

# not in the registry's order, which the appendix must restore
METHODS = ["random_map", "kernelshap", "gradcam", "integrated_gradients"]
LEFT_OUT_CAM = "cam: layer 'hidden' (Dense) between the pooling and the logits is not linear"


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
    table["sparseness"], table["complexity"] = rng.uniform(0, 1, n), rng.uniform(0, 3, n)
    table["faithfulness_correlation"] = np.where(np.arange(n) % 2, rng.uniform(-1, 1, n), np.nan)
    table["max_sensitivity"] = np.where(np.arange(n) % 3, rng.uniform(0, 2, n), np.nan)
    table["avg_sensitivity"] = table["max_sensitivity"] / 2
    some = np.arange(n) % 4 == 0  # ROAD and random-logit run on subsets
    table["road_morf_auc"] = np.where(some, rng.uniform(0, 0.5, n), np.nan)
    table["road_lerf_auc"] = np.where(some, rng.uniform(0.5, 1, n), np.nan)
    table["road_srg"] = table["road_lerf_auc"] - table["road_morf_auc"]
    table["random_logit"] = np.where(some, rng.uniform(-1, 1, n), np.nan)
    table["reproducibility"] = np.where(some, rng.uniform(0.5, 1, n), np.nan)
    table["unexplained"] = np.arange(n) == 1
    return table


def convergence_table(rng, methods):
    """A convergence table as the stage writes it, for the methods with a budget."""
    from vxai.stages.convergence import COLUMNS, chosen_budget

    rows = []
    for method in (m for m in methods if spec(m).budget):
        for budget, repro in zip((8, 64, 512), sorted(rng.uniform(0.5, 1.0, 3))):
            drop = rng.uniform(10, 20)
            rows.append({"method": method, "budget": budget, "n": 8, "drop_pct": drop,
                         "drop_pct_lo": drop - 5, "drop_pct_hi": drop + 5,
                         "increase_pct": 10.0, "road_morf_auc": np.nan,
                         "road_morf_auc_lo": np.nan, "road_morf_auc_hi": np.nan,
                         "reproducibility": repro, "reproducibility_lo": repro - 0.05,
                         "reproducibility_hi": min(1.0, repro + 0.05), "unexplained": 0})
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["chosen"] = False
    for method, part in table.groupby("method"):
        table.loc[(table["method"] == method) & (table["budget"] == chosen_budget(part)),
                  "chosen"] = True
    return table


def appendix_fixture(folder, methods=METHODS):
    """Results of two datasets with `methods` each, written like the pipeline writes them;
    returns the `files` of render_appendix, the config and the report folder."""
    rng = np.random.default_rng(0)
    results, config = folder / "results", smoke_config()
    report = REPO / "report"
    files = {"html_template": str(report / "appendix.html.j2"),
             "latex_template": str(report / "appendix.tex.j2"),
             "references": str(report / "references.bib"), "benchmarks": {}, "datasets": {}}
    score_tables = {}
    for dataset, k in (("mnist1d", 3), ("hmt", 2)):
        config[dataset]["methods"] = {m: config[dataset]["methods"].get(m) for m in methods}
        names = [f"{dataset}_class{i}" for i in range(k)]
        labels = rng.integers(0, k, 30)
        probs = rng.dirichlet(np.ones(k), 30)
        eval_folder = results / dataset / "eval"
        eval_folder.mkdir(parents=True)
        metrics = classification_metrics(labels, probs, names)
        counts, _ = confusion_tables(labels, probs.argmax(axis=1), names)
        counts.to_csv(eval_folder / "confusion.csv")
        ranked = ranked_confusions(counts)
        ranked.to_csv(eval_folder / "confusions_ranked.csv", index=False)
        top = ranked[ranked["kind"] == "unordered"].iloc[0]  # as evaluate_model adds it
        metrics["most_confused_pair"] = {"classes": [top["class_a"], top["class_b"]],
                                         "count": int(top["count"])}
        (eval_folder / "metrics.json").write_text(json.dumps(metrics))
        info = {"dataset": dataset, "input_shape": [40, 1], "origin": "trained", "epochs": 4,
                "parameters": 123}
        (results / "models").mkdir(exist_ok=True)
        (results / "models" / f"{dataset}_info.json").write_text(json.dumps(info))
        entry = files["datasets"][dataset] = {
            "metrics": str(eval_folder / "metrics.json"),
            "info": str(results / "models" / f"{dataset}_info.json"),
            "ranked": str(eval_folder / "confusions_ranked.csv"),
            "confusion": str(eval_folder / "confusion.csv"),
            "tables": [str(eval_folder / "metrics.json"), str(eval_folder / "confusion.csv")],
            "evaluation_figures": {key: figure(eval_folder / f"{key}.png", i) for i, key in
                                   enumerate(("curves", "roc", "confusion", "cases"))},
            "figures": {key: figure(results / dataset / "figures" / f"{key}.png", i + 5)
                        for i, key in enumerate(("gallery", "misclassified", "convergence"))},
            "metric_figures": {"curves": figure(results / dataset / "figures" / "curves.png", 9)},
            "sanity": {}, "explain_benchmarks": {}, "train_benchmark": None,
            "convergence": str(results / dataset / "convergence.csv"), "supported": None}
        convergence_table(rng, methods).to_csv(entry["convergence"], index=False)
        if dataset == "hmt":  # skip_unsupported: CAM configured, and left out by its check
            config[dataset]["methods"]["cam"] = None
            entry["supported"] = str(results / dataset / "supported_methods.json")
            Path(entry["supported"]).write_text(json.dumps(
                {"kept": list(methods), "left_out": {"cam": LEFT_OUT_CAM}}))
        for method in methods:
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
            entry["sanity"][method] = str(sanity)
            bench = folder / "benchmarks" / dataset / "explain" / f"{method}_shard0.tsv"
            bench.parent.mkdir(parents=True, exist_ok=True)
            bench.write_text("s\th:m:s\n%.2f\t0:00:01\n" % rng.uniform(1, 9))
            entry["explain_benchmarks"][method] = [str(bench)]
            files["benchmarks"][f"{dataset}/explain/{method}_shard0"] = str(bench)
    summary = {name: str(results / "summary" / file) for name, file in [
        ("faithfulness", "faithfulness.csv"), ("comparison", "method_comparison.csv"),
        ("figure", "faithfulness.png"), ("ranks", "metric_ranks.csv"),
        ("agreement", "metric_agreement.csv"), ("agreement_figure", "metric_agreement.png"),
        ("paired", "paired_tests.csv"), ("criteria", "criterion_ranks.csv"),
        ("critical", "critical_difference.csv"), ("critical_figure", "critical_difference.png"),
        ("checks", "metric_checks.csv"), ("trust", "trust.json")]}
    summarize_faithfulness(score_tables, 0, table=summary["faithfulness"],
                           figure=summary["figure"])
    compare_and_rank(score_tables, 0, **{key: summary[key] for key in (
        "paired", "comparison", "criteria", "critical", "critical_figure")})
    check_metrics(score_tables, 0, **{key: summary[key] for key in (
        "ranks", "agreement", "agreement_figure", "checks")})
    write_trust(summary["criteria"], summary["paired"], summary["checks"], ["mnist1d", "hmt"],
                faithfulness=summary["faithfulness"], output=summary["trust"])
    manifest = results / "data" / "hmt_manifest.csv"
    manifest.parent.mkdir(parents=True)
    manifest.write_text("id,split,label,sha256\nt0,test,0,abc\n")
    files.update(faithfulness=summary["faithfulness"], comparison=summary["comparison"],
                 faithfulness_plot=summary["figure"], manifest=str(manifest),
                 ranks=summary["ranks"], agreement=summary["agreement"],
                 agreement_plot=summary["agreement_figure"],
                 critical_plot=summary["critical_figure"], trust=summary["trust"])
    return files, config, results / "report"


@pytest.fixture
def fixture_inputs(tmp_path):
    return appendix_fixture(tmp_path)


def render(files, config, folder):
    render_appendix(files, config, ["mnist1d", "hmt"], folder / "appendix.html",
                    folder / "appendix.tex", folder / "references.bib")
    return (folder / "appendix.html").read_text(), (folder / "appendix.tex").read_text()


def html_rows(page, css):
    """[(method key, [cell texts])] of the HTML table of class `css`."""
    body = re.search(rf'<table class="{css}"[^>]*>(.*?)</table>', page, re.S)
    assert body, css
    return [(key, re.findall(r"<td>(.*?)</td>", cells))
            for key, cells in re.findall(r'<tr data-method="(\w+)">(.*?)</tr>', body[1])]


def parsed(cell):
    """The numbers of a cell 'value [low, high]' or 'value'."""
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", cell)]


def test_numbers_in_the_html_and_latex_equal_the_csvs(fixture_inputs):
    """Every registered metric's table shows, per dataset and method, the summary's numbers:
    each column with its interval where the metric declares one, rounded as printed."""
    from vxai.metrics.registry import metric_specs

    files, config, folder = fixture_inputs
    page, latex = render(files, config, folder)
    summary = pd.read_csv(files["faithfulness"]).query("subset == 'all'")
    checked = 0
    for metric in metric_specs():
        columns = [(c, metric.interval) for c in metric.columns] + [(c, False) for c in metric.shown]
        if summary[[c for c, _ in columns]].isna().all().all():
            assert f'class="metric-{metric.name.replace("_", "-")}"' not in page
            continue
        rows = html_rows(page, f"metric-{metric.name.replace('_', '-')}")
        first = metric is metric_specs()[0]
        assert len(rows) == len(summary)
        for row in summary.to_dict("records"):
            cells = next(c for key, c in rows if key == row["method"] and c[0] == TITLES[row["dataset"]])
            assert cells[1] == spec(row["method"]).display
            if first:
                assert int(cells[2]) == row["n"]
            for (column, with_interval), cell in zip(columns, cells[3 if first else 2:]):
                expected = [row[column]] + ([row[f"{column}_lo"], row[f"{column}_hi"]]
                                            if with_interval else [])
                # cells print two (percentages) or three decimals: rounding moves at most half
                tolerance = 0.006 if column.endswith("_pct") else 6e-4
                assert parsed(cell) == pytest.approx(expected, abs=tolerance), (metric.name, column)
                checked += 1
        assert html.escape(metric.about, quote=False) in page.replace("&#39;", "'")
    assert checked > 100
    for row in summary.itertuples():
        assert f"{row.drop_pct:.2f} [{row.drop_pct_lo:.2f}, {row.drop_pct_hi:.2f}]" in latex
    for dataset in ("mnist1d", "hmt"):  # the budget each method's measurements support
        table = pd.read_csv(files["datasets"][dataset]["convergence"])
        shown = re.search(rf'<table class="budgets" data-dataset="{dataset}">(.*?)</table>',
                          page, re.S)[1]
        for method, part in table.groupby("method"):
            chosen = part.loc[part["chosen"], "budget"]
            picked = re.search(rf'<tr data-method="{method}">(?:<td>.*?</td>\s*){{3}}'
                               r"<td>(\w+)</td>", shown, re.S)[1]
            assert picked == (str(chosen.iloc[0]) if len(chosen) else "none")
    for dataset in ("mnist1d", "hmt"):
        accuracy = 100 * json.loads(open(files["datasets"][dataset]["metrics"]).read())["accuracy"]
        assert f"{accuracy:.2f} %" in page and f"{accuracy:.2f}\\,\\%" in latex
    # each dataset's methods table and cards: every method by its display name, in the
    # registry's order (by family, then name), whatever the config's order
    tables = re.findall(r'<table class="methods">(.*?)</table>', page, re.S)
    assert len(tables) == 2
    for table in tables:
        rows = re.findall(r'<tr data-method="(\w+)"><td>([^<]+)</td>', table)
        assert rows == [(m, spec(m).display) for m in ordered(reversed(METHODS))]
    for method in METHODS:
        assert page.count(f'data-card="{method}"><h4>{spec(method).display} ') == 2
    # HMT's configured CAM, which its check left out: named with the reason, and no card
    left_out = re.findall(r'<p class="left-out">(.*?)</p>', page, re.S)
    assert len(left_out) == 1 and f"CAM ({LEFT_OUT_CAM})." in html.unescape(left_out[0])
    assert 'data-card="cam"' not in page
    assert latex.count("Left out because the model cannot serve them") == 1
    assert tex_escape(f"CAM ({LEFT_OUT_CAM}).") in latex
    headings = re.findall(r'<h2 id="(\w+)">', page)
    assert headings == ["task1", "task2", "task3", "task4", "provenance"]
    assert r"\cite{lundberg2017shap}" in latex and "@inproceedings{lundberg2017shap" in (
        folder / "references.bib").read_text()
    assert "efficiency error" in page and not re.search(r"\bnan\b", latex)
    digest = hashlib.sha256(open(files["manifest"], "rb").read()).hexdigest()
    assert digest in page and digest[:16] in latex


def test_the_latex_appendix_compiles_and_page_one_renders(fixture_inputs):
    if not (shutil.which("pdflatex") and shutil.which("bibtex") and shutil.which("pdftoppm")):
        pytest.skip("no TeX installation (pdflatex, bibtex) or pdftoppm; .ci/run installs them")
    files, config, folder = fixture_inputs
    render(files, config, folder)
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
