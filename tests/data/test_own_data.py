"""Your own images and signals: read into the pipeline's arrays, with clear errors."""

import zipfile

import numpy as np
import pytest
from PIL import Image

from vxai.data.images import extract_images
from vxai.data.signals import load_signals
from vxai.errors import UserError


def write_images(root, classes=("cat", "dog"), per_split=(3, 2), size=(12, 10), mode="RGB"):
    rng = np.random.default_rng(0)
    for split, count in zip(("train", "test"), per_split):
        for klass in classes:
            folder = root / split / klass
            folder.mkdir(parents=True, exist_ok=True)
            for i in range(count):
                shape = (size[1], size[0], 3) if mode == "RGB" else (size[1], size[0])
                pixels = rng.integers(0, 256, shape, dtype=np.uint8)
                Image.fromarray(pixels, mode).save(folder / f"{i}.png")
    return root


def test_image_folders_become_arrays_in_sorted_class_order(tmp_path):
    root = write_images(tmp_path / "pets", classes=("dog", "cat"))
    arrays, manifest = extract_images(root)
    assert list(arrays["class_names"]) == ["cat", "dog"]
    assert arrays["x"].shape == (6, 10, 12, 3) and arrays["x"].dtype == np.uint8
    assert arrays["y_test"].tolist() == [0, 0, 1, 1]
    assert arrays["ids_test"][0] == "test/cat/0.png"
    stored = np.asarray(Image.open(root / "test" / "dog" / "1.png"))
    assert np.array_equal(arrays["x_test"][3], stored)
    assert len(manifest) == 10 and set(manifest["split"]) == {"train", "test"}
    named, _ = extract_images(root, class_names=["dog", "cat"])
    assert named["y_test"].tolist() == [0, 0, 1, 1] and named["ids_test"][0] == "test/dog/0.png"


def test_grey_images_keep_one_channel_and_a_zip_reads_like_the_folder(tmp_path):
    root = write_images(tmp_path / "grey", mode="L")
    arrays, _ = extract_images(root)
    assert arrays["x"].shape == (6, 10, 12, 1)
    archive = tmp_path / "grey.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(root.rglob("*.png")):
            zf.write(path, "grey/" + path.relative_to(root).as_posix())
    zipped, _ = extract_images(archive)
    assert np.array_equal(zipped["x"], arrays["x"]) and list(zipped["ids"]) == list(arrays["ids"])


def test_image_mistakes_name_the_file_or_folder(tmp_path):
    root = write_images(tmp_path / "pets")
    (root / "test" / "cat").rename(root / "test" / "kitten")
    with pytest.raises(UserError, match=r"test/ has no images of the class\(es\) \['cat'\]"):
        extract_images(root)
    root = write_images(tmp_path / "sizes")
    Image.new("RGB", (20, 20)).save(root / "train" / "dog" / "big.png")
    with pytest.raises(UserError, match=r"big.png' is 20x20 pixels but .* is 12x10"):
        extract_images(root)
    root = write_images(tmp_path / "broken")
    (root / "train" / "cat" / "bad.png").write_bytes(b"not an image")
    with pytest.raises(UserError, match="bad.png' is not a readable image"):
        extract_images(root)
    with pytest.raises(UserError, match="no images found"):
        extract_images(tmp_path / "pets" / "train")
    with pytest.raises(UserError, match="does not exist; set 'datasets: x: source:'"):
        extract_images(tmp_path / "absent", key="datasets: x: source")


def test_a_signal_file_is_checked_and_labelled(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "s.npz"
    np.savez(path, x=rng.normal(size=(6, 20)), y=[0, 1, 2, 0, 1, 2],
             x_test=rng.normal(size=(3, 20)), y_test=[2, 1, 0])
    arrays = load_signals(path)
    assert arrays["x"].dtype == np.float32 and list(arrays["class_names"]) == ["0", "1", "2"]
    assert list(arrays["ids_test"]) == ["test/0", "test/1", "test/2"]
    assert list(load_signals(path, ["a", "b", "c"])["class_names"]) == ["a", "b", "c"]
    with pytest.raises(UserError, match="labels run from 0 to 2, but there are 2 class names"):
        load_signals(path, ["a", "b"])
    np.savez(path, x=rng.normal(size=(6, 20)), y=[0, 1, 0, 1, 0, 1],
             x_test=rng.normal(size=(3, 21)), y_test=[0, 1, 0])
    with pytest.raises(UserError, match=r"x_test of shape \(21,\)"):
        load_signals(path)
    np.savez(path, x=rng.normal(size=(6, 20)), y=[0, 1, 0, 1, 0, 1])
    with pytest.raises(UserError, match=r"lacks the arrays \['x_test', 'y_test'\]"):
        load_signals(path)


def test_own_grey_images_train_the_vgg7_recipe_at_their_own_size(tmp_path):
    """model: train without a model file: the VGG-7 of the images' size and channels."""
    from vxai.models.loading import load_model
    from vxai.models.recipes import train_for_dataset

    arrays, _ = extract_images(write_images(tmp_path / "pics", per_split=(4, 2), mode="L"))
    np.savez(tmp_path / "pics.npz", **arrays)
    train = {"epochs": 1, "batch_size": 4, "learning_rate": 0.01, "validation_split": 0.25,
             "weight_decay": 5e-4}
    paths = [tmp_path / name for name in ("pics.keras", "history.csv", "info.json")]
    train_for_dataset("pics", "images", tmp_path / "pics.npz", train, None, *paths)
    assert load_model(paths[0]).input_shape == (None, 10, 12, 1)


def test_signals_with_channels_import_or_train_a_model_and_get_one_map_value_per_point(tmp_path):
    import keras

    from vxai.data.inputs import model_inputs
    from vxai.methods import get_method
    from vxai.models.loading import load_model
    from vxai.models.recipes import import_pretrained

    rng = np.random.default_rng(1)
    np.savez(tmp_path / "s.npz", x=rng.normal(size=(4, 24, 2)), y=[0, 1, 0, 1],
             x_test=rng.normal(size=(2, 24, 2)), y_test=[1, 0])
    arrays = load_signals(tmp_path / "s.npz")
    np.savez(tmp_path / "data.npz", **arrays)
    model = keras.Sequential([keras.Input((24, 2)), keras.layers.Conv1D(4, 3, activation="relu"),
                              keras.layers.GlobalAveragePooling1D(),
                              keras.layers.Dense(2, activation="softmax")])
    model.save(tmp_path / "m.keras")
    import_pretrained("s", "signals", tmp_path / "m.keras", tmp_path / "data.npz",
                      tmp_path / "s.keras", tmp_path / "info.json")
    imported = load_model(tmp_path / "s.keras")
    x = model_inputs(arrays["x_test"], imported.input_shape)
    maps = get_method("integrated_gradients")(imported, steps=8).explain(x, arrays["y_test"]).maps
    assert maps.shape == (2, 24) and np.isfinite(maps).all()
    from vxai.models.recipes import train_for_dataset

    train = {"epochs": 1, "batch_size": 2, "learning_rate": 0.01, "validation_split": 0.0,
             "weight_decay": 5e-4}
    trained = [tmp_path / name for name in ("t.keras", "t.csv", "t.json")]
    train_for_dataset("s", "signals", tmp_path / "data.npz", train, None, *trained)
    assert load_model(trained[0]).input_shape == (None, 24, 2)
    wrong = keras.Sequential([keras.Input((24, 3)), keras.layers.Conv1D(2, 3),
                              keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(2)])
    wrong.save(tmp_path / "wrong.keras")
    with pytest.raises(UserError, match="needs 1-D inputs with 2 channel"):
        import_pretrained("s", "signals", tmp_path / "wrong.keras", tmp_path / "data.npz",
                          tmp_path / "x.keras", tmp_path / "x.json")
