"""Installed as `sitecustomize` on the PYTHONPATH of a test's Snakemake run: when a job's
script exits, it writes the files of the library modules the process actually loaded, with
the job's rule and wildcards, to a file of its own in $VXAI_MODULE_LOG. This is the oracle the code
inputs are checked against: it sees what ran, not what an import graph predicts."""

import atexit
import json
import os
import sys
import uuid


def _record():
    job = getattr(sys.modules.get("__main__"), "snakemake", None)
    if job is None or not hasattr(job, "rule"):
        return
    roots = [os.path.realpath(p) for p in os.environ.get("VXAI_RECORD_UNDER", "").split(os.pathsep)
             if p]
    files = set()
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if path and any(os.path.realpath(path).startswith(root + os.sep) for root in roots):
            files.add(os.path.realpath(path))
    wildcards = ", ".join(f"{key}={value}" for key, value in job.wildcards.items())
    record = {"rule": job.rule, "wildcards": wildcards, "files": sorted(files)}
    log = os.environ["VXAI_MODULE_LOG"]
    with open(os.path.join(log, f"{uuid.uuid4().hex}.json"), "w") as out:  # pids recur
        json.dump(record, out)


if os.environ.get("VXAI_MODULE_LOG"):
    atexit.register(_record)
