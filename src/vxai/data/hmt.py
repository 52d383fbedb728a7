"""HMT (Kather 2016) tiles: read a folder or .zip in the course or Zenodo layout into arrays."""

import hashlib
import io
from pathlib import PurePosixPath

import numpy as np
import pandas as pd
from PIL import Image, UnidentifiedImageError
from tqdm import tqdm

from vxai.data.sources import Source, split_arrays
from vxai.errors import UserError

CLASS_NAMES = (
    "01_TUMOR",
    "02_STROMA",
    "03_COMPLEX",
    "04_LYMPHO",
    "05_DEBRIS",
    "06_MUCOSA",
    "07_ADIPOSE",
    "08_EMPTY",
)
TILE_SHAPE = (150, 150, 3)
COURSE_SPLITS = {"HMT_train": "train", "HMT_test": "test"}
def _layout(source):
    """Return (layout, entries): entries are (split or None, class, relpath) per tile file."""
    entries = []
    for rel in source.files:
        parts = PurePosixPath(rel).parts
        if len(parts) < 2:
            continue  # loose files at the top (README, LICENSE) are not tiles
        klass = parts[-2]
        split = COURSE_SPLITS.get(parts[-3]) if len(parts) >= 3 else None
        if klass not in CLASS_NAMES:
            raise UserError(
                f"unexpected folder '{PurePosixPath(rel).parent}' in {source.path} (holds "
                f"'{parts[-1]}'): HMT tiles must sit in the class folders {', '.join(CLASS_NAMES)}"
                "; remove or rename the extra folder"
            )
        entries.append((split, klass, rel))
    if not entries:
        raise UserError(
            f"no tiles found in {source.path}: expected HMT_train/<class>/ and HMT_test/<class>/ "
            f"(course layout) or <folder>/<class>/ (Zenodo layout) with classes {', '.join(CLASS_NAMES)}"
        )
    splits = {e[0] for e in entries}
    if splits == {None}:
        layout = "zenodo"
    elif None in splits:
        raise UserError(
            f"{source.path} mixes the course layout (HMT_train/, HMT_test/) with class folders "
            "outside them; keep one layout"
        )
    elif splits != {"train", "test"}:
        missing = [k for k, v in COURSE_SPLITS.items() if v not in splits]
        raise UserError(f"{source.path} has no tiles in split folder(s) {missing}")
    else:
        layout = "course"
    _check_classes(source, entries, layout)
    return layout, entries


def _check_classes(source, entries, layout):
    groups = sorted({e[0] for e in entries}, key=str)
    for split in groups:
        seen = {e[1] for e in entries if e[0] == split}
        where = PurePosixPath(next(e[2] for e in entries if e[0] == split)).parent.parent
        for klass in CLASS_NAMES:
            if klass in seen:
                continue
            folder = (where / klass).as_posix()
            if folder in source.dirs:
                raise UserError(f"class folder '{folder}' in {source.path} holds no tiles")
            raise UserError(
                f"class folder '{folder}' is missing from {source.path}; HMT needs all 8 "
                f"classes: {', '.join(CLASS_NAMES)}"
            )


def decode_tile(data, where):
    """Decode image bytes into a uint8 (150, 150, 3) array, or raise a UserError naming `where`."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            pixels = np.asarray(img.convert("RGB"), dtype=np.uint8)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as err:
        raise UserError(
            f"'{where}' is not a readable image ({err.__class__.__name__}: {err}); "
            "remove it or replace it with the original tile"
        ) from None
    if pixels.shape != TILE_SHAPE:
        raise UserError(
            f"tile '{where}' is {pixels.shape[1]}x{pixels.shape[0]} pixels; HMT tiles are "
            f"{TILE_SHAPE[1]}x{TILE_SHAPE[0]} RGB: remove it or replace it with the original tile"
        )
    return pixels


def pixel_sha256(pixels):
    """SHA-256 of a tile's decoded pixels (uint8, C order), as in the shared manifest."""
    return hashlib.sha256(np.ascontiguousarray(pixels, dtype=np.uint8).tobytes()).hexdigest()


def _assign_splits(entries, layout, test_per_class, seed):
    if layout == "course":
        return [e[0] for e in entries]
    rng = np.random.default_rng(seed)
    splits = ["train"] * len(entries)
    for klass in CLASS_NAMES:
        members = [i for i, e in enumerate(entries) if e[1] == klass]
        if len(members) <= test_per_class:
            raise UserError(
                f"class '{klass}' has {len(members)} tiles, too few to hold out {test_per_class} "
                "for testing; lower 'hmt: test_per_class' or supply the full dataset"
            )
        for i in rng.choice(members, size=test_per_class, replace=False):
            splits[i] = "test"
    return splits


def extract(path, test_per_class=62, seed=0):
    """Read every tile under `path` (folder or .zip). Return (arrays dict, manifest DataFrame).

    Arrays: x, y, ids (train) and x_test, y_test, ids_test, plus class_names. Ids are the
    tiles' paths relative to the layout root; the manifest lists split, class, id, the
    source path and the SHA-256 of the decoded pixels.
    """
    source = Source(path, "hmt: source")
    layout, entries = _layout(source)
    splits = _assign_splits(entries, layout, test_per_class, seed)
    rows, pixels = [], []
    for (_, klass, rel), split in tqdm(
        list(zip(entries, splits)), desc="decode HMT tiles", unit="tile", mininterval=5
    ):
        tile = decode_tile(source.read(rel), source.where(rel))
        parts = PurePosixPath(rel).parts
        tile_id = "/".join(parts[-3:] if layout == "course" else parts[-2:])
        rows.append(
            {
                "split": split,
                "class": klass,
                "label": CLASS_NAMES.index(klass),
                "id": tile_id,
                "source_file": rel,
                "pixels_sha256": pixel_sha256(tile),
            }
        )
        pixels.append(tile)
    manifest = pd.DataFrame(rows)
    manifest["layout"] = layout
    order = manifest.sort_values(["split", "label", "id"], kind="stable").index.to_numpy()
    manifest = manifest.loc[order].reset_index(drop=True)
    return split_arrays(manifest, np.stack(pixels)[order], CLASS_NAMES), manifest
