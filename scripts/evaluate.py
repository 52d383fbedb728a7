"""Evaluate a model on its test set: predictions, metrics, confusions, showcase cases."""

from vxai.runtime import configure_tensorflow, log_to, report_errors

log_to(snakemake.log[0])
configure_tensorflow(snakemake.threads)

from vxai.stages.evaluate import evaluate_model  # noqa: E402

with report_errors():
    evaluate_model(
        snakemake.input.data,
        snakemake.input.model,
        snakemake.params.test_samples,
        snakemake.params.batch_size,
        predictions=snakemake.output.predictions,
        metrics=snakemake.output.metrics,
        confusion=snakemake.output.confusion,
        confusion_normalized=snakemake.output.confusion_normalized,
        ranked=snakemake.output.ranked,
        cases=snakemake.output.cases,
    )
