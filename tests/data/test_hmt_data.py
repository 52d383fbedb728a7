"""HMT extraction: both layouts, folder and zip, any Pillow format, debris, clear errors."""

import shutil
import zipfile

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from conftest import HMT_CLASSES, shared, synthetic_tile, write_tiles
from vxai.data.hmt import decode_tile, extract, pixel_sha256
from vxai.errors import UserError


def zip_folder(folder, dest, prefix=""):
    with zipfile.ZipFile(dest, "w") as zf:
        for path in sorted(folder.rglob("*")):
            zf.write(path, prefix + path.relative_to(folder).as_posix())
    return dest


def test_course_layout_folder_keeps_the_split(hmt_course):
    arrays, manifest = extract(hmt_course)
    assert arrays["x"].shape == (8 * 3, 150, 150, 3) and arrays["x"].dtype == np.uint8
    assert arrays["x_test"].shape == (8 * 2, 150, 150, 3)
    assert list(arrays["class_names"]) == list(HMT_CLASSES)
    assert np.bincount(arrays["y_test"]).tolist() == [2] * 8
    first = arrays["ids_test"][0]
    assert first == "HMT_test/01_TUMOR/tile000.tif"
    np.testing.assert_array_equal(arrays["x_test"][0], synthetic_tile(0, 100))
    assert set(manifest["split"]) == {"train", "test"}
    train = manifest[manifest["split"] == "train"]
    assert list(train["id"]) == list(arrays["ids"])
    assert train["pixels_sha256"].iloc[0] == pixel_sha256(arrays["x"][0])


def test_zip_with_debris_equals_folder(hmt_course, tmp_path):
    (hmt_course / "HMT_train" / "01_TUMOR" / ".DS_Store").write_bytes(b"\x00\x01junk")
    (hmt_course / "HMT_test" / "._tile000.tif").write_bytes(b"appledouble")
    archive = zip_folder(hmt_course, tmp_path / "hmt.zip", prefix="hmt_dataset/")
    with zipfile.ZipFile(archive, "a") as zf:
        zf.writestr("__MACOSX/hmt_dataset/HMT_train/01_TUMOR/._tile000.tif", b"resource fork")
    from_folder, _ = extract(hmt_course)
    from_zip, manifest = extract(archive)
    for key in ("x", "y", "ids", "x_test", "y_test", "ids_test"):
        np.testing.assert_array_equal(from_folder[key], from_zip[key])
    assert not manifest["source_file"].str.contains("DS_Store|__MACOSX|/\\._").any()


def test_zenodo_layout_gets_a_seeded_stratified_split(tmp_path):
    root = write_tiles(tmp_path / "Kather_texture_2016_image_tiles_5000", splits=None,
                       per_class=(5,), fmt="png")
    archive = zip_folder(root, tmp_path / "kather.zip", prefix="Kather_texture_2016_image_tiles_5000/")
    arrays, manifest = extract(archive, test_per_class=2, seed=7)
    again, _ = extract(archive, test_per_class=2, seed=7)
    other, _ = extract(archive, test_per_class=2, seed=8)
    assert np.bincount(arrays["y_test"]).tolist() == [2] * 8
    assert np.bincount(arrays["y"]).tolist() == [3] * 8
    np.testing.assert_array_equal(arrays["ids_test"], again["ids_test"])
    assert not np.array_equal(arrays["ids_test"], other["ids_test"])
    assert set(manifest["layout"]) == {"zenodo"}
    assert manifest.groupby("split").size().to_dict() == {"test": 16, "train": 24}


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda r: (r / "HMT_test/02_STROMA/tile000.tif").write_bytes(b"not an image"),
         r"HMT_test/02_STROMA/tile000.tif' is not a readable image"),
        (lambda r: (r / "HMT_train/03_COMPLEX/notes.txt").write_text("hello"),
         r"notes.txt' is not a readable image"),
        (lambda r: Image.new("RGB", (100, 150)).save(r / "HMT_train/04_LYMPHO/small.tif"),
         r"small.tif' is 100x150 pixels"),
        (lambda r: shutil.rmtree(r / "HMT_test/05_DEBRIS"),
         r"class folder 'HMT_test/05_DEBRIS' is missing"),
        (lambda r: [p.unlink() for p in (r / "HMT_train/06_MUCOSA").iterdir()],
         r"class folder 'HMT_train/06_MUCOSA' .* holds no tiles"),
        (lambda r: shutil.copytree(r / "HMT_train/07_ADIPOSE", r / "HMT_train/09_EXTRA"),
         r"unexpected folder 'HMT_train/09_EXTRA'"),
    ],
    ids=["corrupt", "non-image", "wrong-size", "missing-class", "empty-class", "extra-class"],
)
def test_bad_inputs_name_the_culprit(hmt_course, damage, message):
    damage(hmt_course)
    with pytest.raises(UserError, match=message):
        extract(hmt_course)


def test_missing_source_says_how_to_fix(tmp_path):
    with pytest.raises(UserError, match="hmt: source"):
        extract(tmp_path / "nowhere")


def test_tiff_sample_decodes_to_the_manifest_hashes():
    sample = shared("hmt_tif_sample")
    manifest = pd.read_csv(shared("hmt_manifest.csv"))
    expected = dict(zip(manifest["class"] + "/" + manifest["file"], manifest["pixels_sha256"]))
    files = sorted(sample.rglob("*.tif"))
    assert len(files) == 16
    for path in files:
        tile = decode_tile(path.read_bytes(), path)
        assert pixel_sha256(tile) == expected[f"{path.parent.name}/{path.name}"]


@pytest.mark.realdata
def test_shared_dataset_extracts_4504_and_496_tiles_matching_the_manifest(real_hmt):
    arrays, manifest = real_hmt
    assert len(arrays["y"]) == 4504 and len(arrays["y_test"]) == 496
    assert np.bincount(arrays["y_test"]).tolist() == [62] * 8
    reference = pd.read_csv(shared("hmt_manifest.csv"))
    reference["stem"] = reference["file"].str.removesuffix(".tif")
    ours = manifest.assign(stem=manifest["id"].str.rsplit(".", n=1).str[0].str.split("/").str[-1])
    merged = ours.merge(reference, on=["class", "stem"], suffixes=("", "_ref"))
    assert len(merged) == 5000
    assert (merged["pixels_sha256"] == merged["pixels_sha256_ref"]).all()
