"""The map explorer: a static page that opens from file:// (no server, no network) and
browses every explained test sample with every method's map and per-sample scores.

On images, each sample has three small files beside the page: the tile (JPEG), every
method's [0, 1]-normalized map coloured as in the galleries at MAP_SIDE x MAP_SIDE in
MAP_LEVELS colours (a third fewer bytes than 256 colours, without visible banding), and the
pixels the Drop rule zeroes (opaque black, the kept ones transparent) at the map's full size,
both as lossless WebP sprites with the methods stacked top to bottom. On signals every
point travels in the page's data script, the map in 8 bits."""

import json
import shutil
from pathlib import Path

import jinja2
import matplotlib
import numpy as np
import pandas as pd
from PIL import Image
from scipy.stats import rankdata

from vxai.data import title
from vxai.data.inputs import load_maps, load_test_set, load_test_support
from vxai.errors import UserError
from vxai.metrics.faithfulness import keep_mask
from vxai.methods.registry import FAMILIES, display, ordered, spec

MAP_SIDE = 56
MAP_LEVELS = 64
COLORMAP = "jet"  # the galleries' colours
SCORES = ("drop", "increase", "kept_fraction", "deletion_auc", "insertion_auc",
          "reproducibility", "unexplained")


def colormap():
    """The colour map as a (256, 3) uint8 table."""
    table = matplotlib.colormaps[COLORMAP](np.linspace(0, 1, 256))[:, :3]
    return np.round(255 * table).astype(np.uint8)


def to_bytes(maps01, side=None):
    """[0, 1] maps as uint8, images averaged down to `side` x `side` (box filter)."""
    maps01 = np.clip(np.nan_to_num(maps01), 0.0, 1.0).astype(np.float32)
    if side is not None and maps01.shape[1] > side:
        maps01 = np.stack([np.asarray(Image.fromarray(m, mode="F")
                                      .resize((side, side), Image.Resampling.BOX))
                           for m in maps01])
    return np.round(255 * maps01).astype(np.uint8)


def coloured(codes, levels=MAP_LEVELS):
    """uint8 maps coloured by the colour map, in `levels` evenly spaced colours."""
    steps = np.round(np.arange(levels) * 255 / (levels - 1)).astype(np.uint8)
    return colormap()[steps[codes.astype(np.int64) * levels // 256]]


def save_webp(path, array):
    """Save an RGB or RGBA uint8 array as a lossless WebP."""
    Image.fromarray(array).save(path, format="WEBP", lossless=True, quality=100, method=4)


def removed_overlay(kept):
    """RGBA: the features the Drop rule zeroes opaque black, the kept ones transparent."""
    overlay = np.zeros(kept.shape + (4,), dtype=np.uint8)
    overlay[..., 3] = np.where(kept, 0, 255)
    return overlay


def rank_correlations(maps_by_method):
    """Spearman correlation of every pair of methods' maps, per sample: (n, pairs) array and
    the pairs as (i, j) method positions. Ties share their mean rank, so a constant map
    correlates 0 with every other."""
    ranked = []
    for maps in maps_by_method:
        ranks = rankdata(maps.reshape(len(maps), -1), axis=1)
        ranks -= ranks.mean(axis=1, keepdims=True)
        norm = np.linalg.norm(ranks, axis=1, keepdims=True)
        ranked.append(ranks / np.where(norm > 0, norm, 1.0))
    pairs = [(i, j) for i in range(len(ranked)) for j in range(i + 1, len(ranked))]
    if not pairs:
        return np.zeros((len(maps_by_method[0]) if maps_by_method else 0, 0)), pairs
    rho = np.stack([(ranked[i] * ranked[j]).sum(axis=1) for i, j in pairs], axis=1)
    return rho, pairs


def _column(table, key):
    if key not in table:
        return None
    return [None if pd.isna(v) else round(float(v), 6) for v in table[key]]


def dataset_data(dataset, folder, *, data, predictions, maps, scores, keep_fraction,
                 test_samples):
    """The explorer's data for one dataset as plain JSON values; on images the per-sample
    files are written to `folder`/`dataset`. `maps`: {method: its map shards}, `scores`:
    {method: its per-sample score table}."""
    table = pd.read_csv(predictions)
    x, y, ids, class_names = load_test_set(data, test_samples)
    if list(table["id"]) != list(ids):
        raise UserError(f"'{predictions}' does not list the test subset in order; delete it "
                        "and rerun")
    names = ordered(maps)
    signal = x.ndim < 4  # signals (n, length[, channels]); images (n, height, width, channels)
    out = {
        "key": dataset, "title": title(dataset), "kind": "signal" if signal else "image",
        "classNames": [str(c) for c in class_names], "keepFraction": keep_fraction,
        "methods": [{"name": m, "display": display(m), "family": FAMILIES[spec(m).family]}
                    for m in names],
        "samples": {"id": [str(i) for i in ids], "label": y.tolist(),
                    "predicted": table["predicted"].tolist(),
                    "confidence": [round(float(c), 6) for c in table["confidence"]],
                    "correct": table["correct"].astype(bool).tolist()},
        "scores": {},
    }
    codes, kept, explained = [], [], []
    for method, entry in zip(names, out["methods"]):
        loaded = load_maps(maps[method])
        where = loaded["positions"]
        if not np.array_equal(ids[where], loaded["ids"]):
            raise UserError(f"the maps in {maps[method][0]} ... are not those of the test "
                            "subset; delete the maps folder and rerun")
        # a method explained on a subset (explain: samples) gets empty maps and no scores
        # for the other samples
        per_sample = pd.read_csv(scores[method]).set_axis(where).reindex(range(len(ids)))
        out["scores"][method] = {key: values for key in SCORES
                                 if (values := _column(per_sample, key)) is not None}
        done = np.zeros(len(ids), dtype=bool)
        done[where] = True
        entry["explained"] = "".join("1" if d else "0" for d in done)
        explained.append(done)
        full, normalized = (np.zeros((len(ids), *loaded[key].shape[1:]), loaded[key].dtype)
                            for key in ("maps", "maps_normalized"))
        full[where], normalized[where] = loaded["maps"], loaded["maps_normalized"]
        kept.append(keep_mask(full, keep_fraction) & done.reshape(-1, *[1] * (full.ndim - 1)))
        codes.append(to_bytes(normalized, None if signal else MAP_SIDE))
    rho, out["pairs"] = rank_correlations(codes)
    both = np.stack([explained[i] & explained[j] for i, j in out["pairs"]], axis=1) \
        if out["pairs"] else np.ones_like(rho, dtype=bool)
    out["rankCorrelation"] = [[round(float(r), 3) if b else None for r, b in zip(row, ok)]
                              for row, ok in zip(rho, both)]
    if signal:
        # several channels are drawn as their mean
        out["inputs"] = np.round(x if x.ndim == 2 else x.mean(axis=-1), 4).tolist()
        out["maps"] = [[m[i].tobytes().hex() for m in codes] for i in range(len(ids))]
        out["kept"] = [["".join("1" if k else "0" for k in m[i]) for m in kept]
                       for i in range(len(ids))]
        support = load_test_support(data, test_samples)
        out["support"] = None if support is None else [
            "".join("1" if s > 0 else "0" for s in row) for row in support]
    else:
        out["mapSide"], out["fullSide"] = MAP_SIDE, int(kept[0].shape[1])
        files = Path(folder) / dataset
        files.mkdir(parents=True)
        for i, tile in enumerate(x):
            Image.fromarray(tile[..., 0] if tile.shape[-1] == 1 else tile).save(
                files / f"{i}.jpg", format="JPEG", quality=85)
            save_webp(files / f"{i}.maps.webp", coloured(np.concatenate([c[i] for c in codes])))
            save_webp(files / f"{i}.kept.webp", removed_overlay(np.concatenate([k[i] for k in kept])))
    return out


def build_explorer(datasets, template, output):
    """Write the explorer folder `output`: index.html, one data script per dataset and the
    image files ({dataset: the arguments of dataset_data}); it appears complete or not at
    all."""
    output = Path(output)
    tmp = output.with_name(f".{output.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        for key, arguments in datasets.items():
            data = dataset_data(key, tmp, **arguments)
            text = json.dumps(data, separators=(",", ":"), allow_nan=False)
            (tmp / f"{key}.js").write_text(f"VXAI_EXPLORER.push({text});\n")
        environment = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(template).parent),
                                         autoescape=True)
        page = environment.get_template(Path(template).name).render(
            datasets={key: title(key) for key in datasets}, colormap=colormap().tolist())
        (tmp / "index.html").write_text(page)
        shutil.rmtree(output, ignore_errors=True)
        tmp.rename(output)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
