"""Explain the most confidently misclassified test samples for the predicted and the true class."""

from vxai.runtime import configure_tensorflow, log_to, report_errors

log_to(snakemake.log[0])
configure_tensorflow(snakemake.threads, snakemake.params.seed)

from vxai.misclassified import misclassified_figure  # noqa: E402

with report_errors():
    misclassified_figure(
        data=snakemake.input.data,
        model_path=snakemake.input.model,
        predictions=snakemake.input.predictions,
        methods=dict(snakemake.params.methods),
        samples=snakemake.params.samples,
        test_samples=snakemake.params.test_samples,
        seed=snakemake.params.seed,
        output=snakemake.output[0],
    )
