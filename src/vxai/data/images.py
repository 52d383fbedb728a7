"""Your own images: a folder or .zip holding train/<class>/* and test/<class>/*, read into
the arrays every stage takes (as HMT's), with a manifest of every file."""

import io
from pathlib import PurePosixPath

import numpy as np
import pandas as pd
from PIL import Image, UnidentifiedImageError

from vxai.data.sources import Source, split_arrays
from vxai.errors import UserError

SPLITS = ("train", "test")
GREY_MODES = {"1", "L", "LA", "I", "I;16", "F"}


def _entries(source):
    """(split, class, relpath) of each image file: the last three parts of its path are
    train|test, the class folder and the file (a folder above them is allowed)."""
    entries = []
    for rel in source.files:
        parts = PurePosixPath(rel).parts
        if len(parts) >= 2 and parts[-2] in SPLITS:
            raise UserError(
                f"'{source.where(rel)}' lies directly in the split folder: put each image in "
                f"its class folder, {parts[-2]}/<class>/{parts[-1]}"
            )
        if len(parts) >= 3 and parts[-3] in SPLITS:
            entries.append((parts[-3], parts[-2], rel))
    if not entries:
        raise UserError(
            f"no images found in {source.path}: expected the folders train/<class>/ and "
            "test/<class>/ (one folder per class, the same classes in both)"
        )
    return entries


def _class_names(source, entries, class_names):
    """The class names in label order: `class_names` when given, else the train folders'
    names sorted; both splits must hold exactly those folders."""
    found = {split: {e[1] for e in entries if e[0] == split} for split in SPLITS}
    names = list(class_names) if class_names else sorted(found["train"])
    for split in SPLITS:
        missing = [name for name in names if name not in found[split]]
        extra = sorted(found[split] - set(names))
        if missing:
            raise UserError(f"{source.path}: {split}/ has no images of the class(es) {missing}; "
                            f"both train/ and test/ need a folder for each of {names}")
        if extra:
            raise UserError(f"{source.path}: {split}/ holds the folder(s) {extra}, which are not "
                            f"among the classes {names}; remove them or list them in class_names")
    return names


def decode_image(data, where):
    """(uint8 RGB pixels, whether the file was grey), or a UserError naming `where`."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            grey = img.mode in GREY_MODES
            return np.asarray(img.convert("RGB"), dtype=np.uint8), grey
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as err:
        raise UserError(f"'{where}' is not a readable image ({err.__class__.__name__}: {err}); "
                        "remove it or replace it") from None


def extract_images(path, class_names=None, key="datasets: <name>: source"):
    """Read every image under `path`. Return (arrays, manifest) as vxai.data.hmt.extract does:
    x, y, ids, x_test, y_test, ids_test and class_names; grey datasets keep one channel.
    Every image must have the same size."""
    source = Source(path, key)
    entries = _entries(source)
    names = _class_names(source, entries, class_names)
    entries.sort(key=lambda e: (SPLITS.index(e[0]), names.index(e[1]), e[2]))
    pixels, greys, rows = [], [], []
    for split, klass, rel in entries:
        image, grey = decode_image(source.read(rel), source.where(rel))
        if pixels and image.shape != pixels[0].shape:
            raise UserError(
                f"'{source.where(rel)}' is {image.shape[1]}x{image.shape[0]} pixels but "
                f"'{source.where(entries[0][2])}' is {pixels[0].shape[1]}x{pixels[0].shape[0]}: "
                "every image of a dataset must have the same size; resize them first"
            )
        pixels.append(image)
        greys.append(grey)
        parts = PurePosixPath(rel).parts
        rows.append({"split": split, "class": klass, "label": names.index(klass),
                     "id": "/".join(parts[-3:]), "source_file": rel})
    stack = np.stack(pixels)
    if all(greys):
        stack = stack[..., :1]
    manifest = pd.DataFrame(rows)
    return split_arrays(manifest, stack, names), manifest
