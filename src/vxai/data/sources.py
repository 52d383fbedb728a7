"""Image sources: a folder or a .zip, listed without operating-system clutter."""

import os
import zipfile
from pathlib import Path, PurePosixPath

import numpy as np

from vxai.errors import UserError

DEBRIS_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}


def is_debris(relpath):
    """True for operating-system clutter: .DS_Store, __MACOSX/, AppleDouble `._*` files."""
    parts = PurePosixPath(relpath).parts
    return any(p == "__MACOSX" or p.startswith("._") or p in DEBRIS_NAMES for p in parts)


class Source:
    """Files and folders of an image source, as relative POSIX paths, and a byte reader;
    `key`: the config key that names it, for the messages."""

    def __init__(self, path, key):
        self.path = Path(path)
        if not self.path.exists():
            raise UserError(
                f"image source '{path}' does not exist; set '{key}:' in the config to the "
                "folder or .zip that holds the images"
            )
        if self.path.is_dir():
            self.files, self.dirs = [], set()
            for root, dirnames, filenames in os.walk(self.path):
                rel = Path(root).relative_to(self.path).as_posix()
                rel = "" if rel == "." else rel + "/"
                self.dirs.update(rel + d for d in dirnames)
                self.files.extend(rel + f for f in filenames)
            self._zip = None
        elif zipfile.is_zipfile(self.path):
            self._zip = zipfile.ZipFile(self.path)
            names = self._zip.namelist()
            self.files = [n for n in names if not n.endswith("/")]
            self.dirs = {n.rstrip("/") for n in names if n.endswith("/")}
            for name in self.files:  # zips need not list folders explicitly
                self.dirs.update(p.as_posix() for p in PurePosixPath(name).parents)
        else:
            raise UserError(
                f"image source '{path}' is neither a folder nor a readable .zip archive; "
                f"point '{key}:' at the extracted folder or the original zip"
            )
        self.files = sorted(f for f in self.files if not is_debris(f))
        self.dirs = {d for d in self.dirs if d not in ("", ".") and not is_debris(d)}

    def read(self, relpath):
        if self._zip is not None:
            return self._zip.read(relpath)
        return (self.path / relpath).read_bytes()

    def where(self, relpath):
        return f"{self.path}{'!' if self._zip is not None else os.sep}{relpath}"


def split_arrays(manifest, stack, class_names):
    """The arrays every stage takes, from a manifest (split, label, id per image, in the
    order of `stack`): x, y, ids of the train split, x_test, y_test, ids_test, class_names."""
    arrays = {"class_names": np.array(class_names)}
    for split, suffix in (("train", ""), ("test", "_test")):
        chosen = (manifest["split"] == split).to_numpy()
        arrays["x" + suffix] = stack[chosen]
        arrays["y" + suffix] = manifest.loc[chosen, "label"].to_numpy(np.int64)
        arrays["ids" + suffix] = manifest.loc[chosen, "id"].to_numpy(str)
    return arrays
