"""Draw one evaluation figure (curves, roc, confusion or cases)."""

from vxai.runtime import log_to, report_errors

log_to(snakemake.log[0])

from vxai.figures import evaluation_figure  # noqa: E402

with report_errors():
    evaluation_figure(
        snakemake.wildcards.figure,
        data=snakemake.input.data,
        predictions=snakemake.input.predictions,
        metrics=snakemake.input.metrics,
        confusion_normalized=snakemake.input.confusion_normalized,
        cases=snakemake.input.cases,
        history=snakemake.input.history or None,
        test_samples=snakemake.params.test_samples,
        output=snakemake.output[0],
    )
