"""Every metric, as declared by its module.

A metric is one module with a dict `METRIC = {...}` and a function `score(job, settings,
table)` that adds its per-sample columns to the score table (and may return curves to
store). The modules of `vxai.metrics` are metrics, and so are the modules other packages
name under the entry-point group `vxai.metrics` (for example `toy = mypackage.metric`). The
declaration says:

- `title`: the name people read, also the label of its time in the score job's log;
- `config`: the dataset config section whose settings it takes and whose presence turns it
  on (the score rule passes every such section), or None when it is always scored;
- `columns`: {summary column: [name people read, "higher" or "lower" is better]}, in the
  order tables show them;
- `criterion`: faithfulness, robustness, randomization, reproducibility, localization or
  complexity;
- `cost`: "maps" (computed from the maps alone), "forward" (model passes on the stored
  maps) or "explain" (explains samples again);
- `interval`: True when the summary gives its columns bootstrap intervals;
- `order`: where it comes in the score table and in every list of metrics;
- `reference`: the BibTeX key of report/references.bib it follows, or None;
- `about`: a short paragraph, how it works and what it measures, that the appendix and
  docs/metrics.md show;
- optionally `shown`: {summary column: name people read} of further columns of its summary
  that the appendix's table of the metric shows (not ranked), and `figure`: the caption of
  the figure per dataset its rule draws (results/{dataset}/figures/{module name}.png).

A module may also define `summary(scores, seed)`, its row of the summary table; without it
the summary is the mean of each column (with its interval where declared).

`metric_specs()` imports every metric module: a job that lists metrics runs their code, and
`metric_files()` names those files, without importing them, for the workflow's code inputs.
"""

import ast
import importlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Callable

from vxai.errors import UserError
from vxai.modules import plugin_modules

PACKAGE = Path(__file__).resolve().parent
ENTRY_POINTS = "vxai.metrics"
CRITERIA = ("faithfulness", "robustness", "randomization", "reproducibility", "localization",
            "complexity")
COSTS = ("maps", "forward", "explain")
KEYS = ("title", "config", "columns", "criterion", "cost", "interval", "order", "reference",
        "about")
OPTIONAL = ("shown", "figure")


@dataclass(frozen=True)
class MetricSpec:
    """What one metric module declares."""

    name: str  # the module's last name
    module: str
    path: Path
    title: str
    config: str | None
    columns: dict  # {summary column: (name people read, True when higher is better)}
    criterion: str
    cost: str
    interval: bool
    order: int
    reference: str | None
    about: str
    shown: dict  # {further summary column: name people read}, shown but not ranked
    figure: str | None  # the caption of its figure per dataset, if it has one
    score: Callable  # score(job, settings, table): adds the per-sample columns
    summary: Callable | None  # summary(scores, seed): the module's own summary row, if any


def _declares_metric(path):
    """True when the module's source assigns METRIC at its top level."""
    return any(isinstance(node, ast.Assign) and
               [getattr(t, "id", None) for t in node.targets] == ["METRIC"]
               for node in ast.parse(path.read_text()).body)


@cache
def metric_modules():
    """{module: file} of every metric module, the package's and the entry points', found
    without importing them."""
    modules = {f"vxai.metrics.{path.stem}": path for path in sorted(PACKAGE.glob("*.py"))
               if _declares_metric(path)}
    return modules | plugin_modules(ENTRY_POINTS)


def metric_files():
    """The files of every metric module: what a job that lists the metrics runs."""
    return sorted(metric_modules().values())


def _spec(module_name, path):
    module = importlib.import_module(module_name)
    declared = getattr(module, "METRIC", None)
    where = f"{path}: METRIC"
    if not isinstance(declared, dict) or not set(KEYS) <= set(declared) <= {*KEYS, *OPTIONAL}:
        raise UserError(f"{where} must be a dict with the keys {', '.join(KEYS)} (optionally "
                        f"{', '.join(OPTIONAL)})")
    if declared["criterion"] not in CRITERIA or declared["cost"] not in COSTS:
        raise UserError(f"{where} criterion must be one of {', '.join(CRITERIA)} and cost one "
                        f"of {', '.join(COSTS)}")
    if not callable(getattr(module, "score", None)):
        raise UserError(f"{path}: a metric module needs a function score(job, settings, table)")
    columns = {}
    for column, (title, direction) in declared["columns"].items():
        if direction not in ("higher", "lower"):
            raise UserError(f"{where} column '{column}': direction must be 'higher' or 'lower'")
        columns[column] = (title, direction == "higher")
    return MetricSpec(
        name=module_name.rpartition(".")[2], module=module_name, path=path,
        title=declared["title"], config=declared["config"], columns=columns,
        criterion=declared["criterion"], cost=declared["cost"], interval=declared["interval"],
        order=declared["order"], reference=declared["reference"], about=declared["about"],
        shown=declared.get("shown", {}), figure=declared.get("figure"), score=module.score,
        summary=getattr(module, "summary", None))


@cache
def metric_specs():
    """Every metric, in its declared order (imports every metric module)."""
    found = [_spec(module, path) for module, path in metric_modules().items()]
    return tuple(sorted(found, key=lambda spec: spec.order))


def config_sections():
    """The dataset config sections the score rule passes to the score job."""
    return [spec.config for spec in metric_specs() if spec.config]


def plugin_config_sections():
    """The config sections of the metrics other packages add (the schema knows vxai's)."""
    return [spec.config for spec in metric_specs()
            if spec.config and not spec.module.startswith("vxai.")]


def metric_figures():
    """The names of the metrics that draw a figure per dataset."""
    return [spec.name for spec in metric_specs() if spec.figure]


def summary_columns():
    """{summary column: (name people read, True when higher is better)} of every metric."""
    return {column: value for spec in metric_specs() for column, value in spec.columns.items()}
