"""Paired tests of every pair of methods, ranks per criterion and critical differences."""

from vxai.runtime import log_to, report_errors

log_to(snakemake.log[0])

from vxai.stages.summary import compare_and_rank  # noqa: E402

with report_errors():
    compare_and_rank(dict(snakemake.params.score_tables), snakemake.params.seed,
                     **dict(snakemake.output.items()))
