"""Process set-up shared by the pipeline scripts: errors, threads, seeds, determinism."""

import contextlib
import hashlib
import os
import signal
import sys
import time

from vxai import passes
from vxai.errors import UserError


def prepend_pythonpath(folder):
    """Put `folder` first on PYTHONPATH, which jobs inherit (in conda environments and on
    cluster nodes too), keeping the user's own entries (plugins, say) after it, once each."""
    entries = [str(folder), *os.environ.get("PYTHONPATH", "").split(os.pathsep)]
    os.environ.update(PYTHONPATH=os.pathsep.join(dict.fromkeys(filter(None, entries))))


def log_to(path):
    """Send this process's stdout and stderr, TensorFlow's native logging included, to `path`."""
    log = open(path, "w", buffering=1)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    sys.stdout = sys.stderr = log
    return log


@contextlib.contextmanager
def report_errors():
    """Turn a `UserError` into one clear line in the log, without a traceback, and exit 1;
    on success, log the model passes the job issued (vxai.passes). A SIGTERM (Snakemake or
    the cluster stopping the job) ends the process through Python's exit path, so the
    atomic writers remove their temporary files."""
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        yield
        if passes.line():  # the model passes the job issued, for bench/run.py --rules-only
            print(passes.line(), flush=True)
    except UserError as err:
        message = f"ERROR: {err}"
        print(message, file=sys.stderr, flush=True)
        raise SystemExit(1) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def timed(label):
    """Print how long the block took, as `label: 12.3 s`, to the job's log."""
    start = time.perf_counter()
    yield
    print(f"{label}: {time.perf_counter() - start:.1f} s", flush=True)


def _exit_on_sigterm(signum, frame):
    print("Stopped by SIGTERM.", file=sys.stderr, flush=True)
    raise SystemExit(128 + signum)


def derive_seed(base_seed, *keys):
    """A 31-bit seed derived from the base seed and any keys (dataset, method, ...)."""
    text = "/".join([str(base_seed), *map(str, keys)])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little") >> 1


def configure_tensorflow(threads=1, seed=None):
    """Pin TensorFlow to `threads` CPU threads, seed Keras, and make ops deterministic."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf

    threads = max(1, int(threads))
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(min(2, threads))
    if seed is not None:
        keras.utils.set_random_seed(int(seed))
    tf.config.experimental.enable_op_determinism()
