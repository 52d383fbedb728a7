"""Download the Zenodo zip of the HMT tiles, checking its MD5."""

import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w")

from vxai.data.download import download  # noqa: E402
from vxai.runtime import report_errors  # noqa: E402

with report_errors():
    download(snakemake.params.url, snakemake.output[0], snakemake.params.md5)
