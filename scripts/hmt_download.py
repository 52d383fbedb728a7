"""Download the Zenodo zip of the HMT tiles, checking its MD5."""

from vxai.runtime import log_to, report_errors

log_to(snakemake.log[0])

from vxai.data.download import download  # noqa: E402

with report_errors():
    download(snakemake.params.url, snakemake.output[0], snakemake.params.md5)
