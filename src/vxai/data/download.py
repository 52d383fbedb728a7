"""Download a file with an MD5 check; on any failure leave nothing behind and say what to do."""

import hashlib
import os
import urllib.error
import urllib.request
from pathlib import Path

from tqdm import tqdm

from vxai.errors import UserError

CHUNK = 1 << 20


def md5sum(path):
    """MD5 hex digest of a file, read in chunks."""
    digest = hashlib.md5()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download(url, dest, md5, timeout=60):
    """Fetch `url` into `dest` via a partial file, verify its MD5, then rename into place."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    by_hand = (
        f"download it by hand from {url} and place it at {dest} "
        f"(MD5 {md5}), or set 'hmt: source:' to a folder or zip you already have"
    )
    try:
        digest = hashlib.md5()
        with urllib.request.urlopen(url, timeout=timeout) as response, open(part, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=dest.name, mininterval=5) as bar:
                for chunk in iter(lambda: response.read(CHUNK), b""):
                    out.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))
    except (urllib.error.URLError, OSError, ValueError) as err:
        part.unlink(missing_ok=True)
        raise UserError(f"could not download {url} ({err}); {by_hand}") from None
    if digest.hexdigest() != md5:
        part.unlink(missing_ok=True)
        raise UserError(
            f"the file downloaded from {url} has MD5 {digest.hexdigest()}, expected {md5} "
            f"(incomplete or altered download); {by_hand}"
        )
    os.replace(part, dest)
    return dest
