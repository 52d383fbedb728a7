"""Trust-section stage: the sentences and tables of 'Which method can I trust on this model?',
its own job, so that editing the sentences reruns only it and the appendix."""

import json

import pandas as pd

from vxai.io import atomic_path
from vxai.trust import trust_section


def write_trust(criteria, paired, checks, datasets, *, faithfulness, output):
    """Per dataset (in `datasets`' order), the sentences and tables of 'Which method can I
    trust on this model?' (vxai.trust) from the criterion ranks, the paired tests, the
    metric checks and the faithfulness summary (its reproducibility), as JSON: {dataset:
    {"sentences": [...], table name: {"index", "columns", "data"}}}."""
    tables = {key: pd.read_csv(path) for key, path in
              (("criteria", criteria), ("paired", paired), ("checks", checks))}
    tables["overall"] = pd.read_csv(faithfulness).query("subset == 'all'")
    found = {}
    for dataset in datasets:
        part = {key: frame[frame["dataset"] == dataset].drop(columns="dataset")
                for key, frame in tables.items()}
        shown = part["checks"].dropna(axis=1, how="all")
        section = trust_section(part["criteria"], part["paired"], shown,
                                has_ground_truth="ground_truth" in shown,
                                overall=part["overall"])
        found[dataset] = {key: value if key == "sentences" else value.to_dict("split")
                          for key, value in section.items()}
    with atomic_path(output) as tmp:
        tmp.write_text(json.dumps(found, indent=1, ensure_ascii=False))
