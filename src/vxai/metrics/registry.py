"""Every metric, as declared by its module.

A metric is one module of `vxai.metrics` with a literal `METRIC = {...}` and a function
`score(job, settings, table)` that adds its per-sample columns to the score table (and may
return curves to store). The declaration says:

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
- `order`: where it comes in the score table and in every list of metrics.

The workflow reads the declarations from the source with `ast`, so it knows every metric
without importing the modules (and TensorFlow); scoring imports each module it runs.
"""

import ast
import importlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
CRITERIA = ("faithfulness", "robustness", "randomization", "reproducibility", "localization",
            "complexity")
COSTS = ("maps", "forward", "explain")
KEYS = ("title", "config", "columns", "criterion", "cost", "interval", "order")


@dataclass(frozen=True)
class MetricSpec:
    """What one metric module declares."""

    name: str  # the module's name
    module: str
    title: str
    config: str | None
    columns: dict  # {summary column: (name people read, True when higher is better)}
    criterion: str
    cost: str
    interval: bool
    order: int

    def score(self, job, settings, table):
        """Add this metric's per-sample columns to `table`; returns curves to store, or None."""
        return importlib.import_module(self.module).score(job, settings, table)

    def summary(self, scores, seed):
        """{summary column: value} over the per-sample `scores`: the module's `summary` if it
        has one, else the mean of each column (with its interval where declared)."""
        from vxai.metrics.faithfulness import mean_summary

        module = importlib.import_module(self.module)
        own = getattr(module, "summary", None) or mean_summary(self.columns, self.interval)
        return own(scores, seed)


def _declaration(path):
    """The literal METRIC dict of a module's source, or None."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["METRIC"]:
            return ast.literal_eval(node.value)
    return None


@cache
def metric_specs():
    """Every metric of vxai.metrics, in its declared order."""
    found = []
    for path in sorted(PACKAGE.glob("*.py")):
        declared = _declaration(path)
        if declared is None:
            continue
        if sorted(declared) != sorted(KEYS):
            raise ValueError(f"{path}: METRIC must have exactly the keys {', '.join(KEYS)}")
        if declared["criterion"] not in CRITERIA or declared["cost"] not in COSTS:
            raise ValueError(f"{path}: METRIC criterion must be one of {CRITERIA} and cost one "
                             f"of {COSTS}")
        columns = {column: (title, direction == "higher")
                   for column, (title, direction) in declared["columns"].items()}
        found.append(MetricSpec(
            name=path.stem, module=f"vxai.metrics.{path.stem}", title=declared["title"],
            config=declared["config"], columns=columns, criterion=declared["criterion"],
            cost=declared["cost"], interval=declared["interval"], order=declared["order"]))
    return tuple(sorted(found, key=lambda spec: spec.order))


def config_sections():
    """The dataset config sections the score rule passes to the score job."""
    return [spec.config for spec in metric_specs() if spec.config]


def summary_columns():
    """{summary column: (name people read, True when higher is better)} of every metric."""
    return {column: value for spec in metric_specs() for column, value in spec.columns.items()}
