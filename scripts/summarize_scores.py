"""Aggregate per-sample scores into Drop% and Increase% with intervals."""

import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w")

from vxai.pipeline import summarize_scores  # noqa: E402
from vxai.runtime import report_errors  # noqa: E402

with report_errors():
    summarize_scores(list(snakemake.input.scores), snakemake.params.seed, snakemake.output[0])
