"""Atomic writers (every output appears complete under its final name, or not at all) and
file checksums."""

import contextlib
import hashlib
import json
import os
from pathlib import Path

import numpy as np


def file_sha256(path):
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside `path` (same suffix); rename it to `path` on success.
    Temporary files of earlier writers of `path` that no longer run (killed with SIGKILL, or
    by the out-of-memory killer) are removed first. A writer is named by its pid and start
    time, so a later process or thread that reuses the pid does not keep an orphan alive."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_orphans(path)
    tmp = path.with_name(f".{path.stem}.tmp-{_writer_tag(os.getpid())}{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _remove_orphans(path):
    for tmp in path.parent.glob(f".{path.stem}.tmp-*{path.suffix}"):
        tag = tmp.name[len(f".{path.stem}.tmp-"):len(tmp.name) - len(path.suffix)]
        pid = tag.partition("-")[0]
        if pid.isdigit() and _writer_tag(int(pid)) != tag:
            tmp.unlink(missing_ok=True)


def _writer_tag(pid):
    """`pid-start` for a live process (its start time in clock ticks after boot, read from
    /proc on Linux; `pid-0` where /proc is absent), None when no such process runs."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return f"{pid}-0" if not Path("/proc/self/stat").exists() else None
    return f"{pid}-{stat.rpartition(')')[2].split()[19]}"


def save_npz(path, compress=True, **arrays):
    """Write arrays to an .npz atomically (compressed unless `compress` is False)."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            (np.savez_compressed if compress else np.savez)(fh, **arrays)


def save_csv(path, frame, **kwargs):
    """Write a pandas DataFrame to CSV atomically (no index unless asked)."""
    kwargs.setdefault("index", False)
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, **kwargs)


def save_json(path, obj):
    """Write JSON atomically, with sorted keys so reruns give identical bytes."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=_to_builtin) + "\n")


def save_figure(path, fig, dpi=150):
    """Save a matplotlib figure atomically and close it: PNG, or JPEG (quality 85, for the
    large map galleries) when `path` ends in .jpg."""
    import matplotlib.pyplot as plt

    with atomic_path(path) as tmp:
        if Path(path).suffix == ".jpg":
            fig.savefig(tmp, dpi=dpi, bbox_inches="tight", pil_kwargs={"quality": 85})
        else:
            fig.savefig(tmp, dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)


def _to_builtin(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
