"""Evaluate a model on its test set: predictions, metrics, confusions, showcase cases."""

import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w")

from vxai.runtime import configure_tensorflow, report_errors  # noqa: E402

configure_tensorflow(snakemake.threads)

from vxai.pipeline import evaluate_model  # noqa: E402

with report_errors():
    evaluate_model(
        snakemake.input.data,
        snakemake.input.model,
        snakemake.params.test_samples,
        snakemake.params.batch_size,
        snakemake.output,
    )
