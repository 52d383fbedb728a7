"""Train the dataset's model with its recipe; save model, history and info."""

from vxai.runtime import configure_tensorflow, log_to, report_errors

log_to(snakemake.log[0])
configure_tensorflow(snakemake.threads, snakemake.params.seed)

from vxai.models.recipes import train_for_dataset  # noqa: E402

with report_errors():
    train_for_dataset(
        snakemake.wildcards.dataset,
        snakemake.params.kind,
        snakemake.input.data,
        dict(snakemake.params.train),
        snakemake.params.input_size,
        snakemake.output.model,
        snakemake.output.history,
        snakemake.output.info,
        snakemake.params.seed,
    )
