"""Your own model and data by config alone: an image folder (scikit-learn's digits, upscaled
and written as PNG folders) and a signal file, each with a small Keras CNN trained here, run
through the whole workflow at the smoke settings."""

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import REPO, SMOKE, snakemake

# the methods whose code depends on the data: Grad-CAM finds the layer of your model, RISE
# draws masks at your input's size, LIME segments your (grey) images; the random map is the
# control. Every method's code is tested on signals and images in tests/methods, and every
# method runs through the workflow in the smoke run.
METHODS = {
    "gradcam": {},
    "rise": {"masks": 64},
    "lime": {"samples": 32},
    "random_map": {},
}
DIGITS = (0, 1, 2, 3)


def write_digits(root, side=32, test_per_class=4):
    """PNG folders train/<digit>/, test/<digit>/ of grey scikit-learn digits at `side` pixels;
    returns the training arrays."""
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    x, y = [], []
    for digit in DIGITS:
        images = digits.images[digits.target == digit]
        for i, image in enumerate(images[:40]):
            split = "test" if i < test_per_class else "train"
            pixels = Image.fromarray((image * 255 / 16).astype(np.uint8)).resize(
                (side, side), Image.BILINEAR)
            folder = root / split / f"digit{digit}"
            folder.mkdir(parents=True, exist_ok=True)
            pixels.save(folder / f"{i:03d}.png")
            if split == "train":
                x.append(np.asarray(pixels, np.float32)[..., None] / 255)
                y.append(DIGITS.index(digit))
    return np.stack(x), np.array(y)


SHAPES = {  # a pulse of each shape, 8 points long, somewhere in the signal
    "bump": np.exp(-0.5 * ((np.arange(8) - 3.5) / 1.5) ** 2),
    "box": np.ones(8),
    "wave": np.sin(np.arange(8) * np.pi / 2),
}


def write_signals(path, length=32, per_class=30, test_per_class=4):
    """Three classes of noisy signals holding a bump, a box or a wave at a random place;
    returns the training arrays."""
    rng = np.random.default_rng(0)
    x, y = [], []
    for label, pulse in enumerate(SHAPES.values()):
        for _ in range(per_class):
            signal = 0.1 * rng.normal(size=length)
            start = rng.integers(0, length - len(pulse))
            signal[start : start + len(pulse)] += pulse
            x.append(signal)
            y.append(label)
    x, y = np.array(x, np.float32), np.array(y)
    test = np.zeros(len(y), bool)
    for label in range(3):
        test[np.flatnonzero(y == label)[:test_per_class]] = True
    np.savez(path, x=x[~test], y=y[~test], x_test=x[test], y_test=y[test],
             class_names=np.array(list(SHAPES)))
    return x[~test][..., None], y[~test]


def train_small_cnn(x, y, n_classes, path):
    """Two convolutions with pooling between them and a global-average-pooling head, trained
    briefly and saved."""
    import keras

    keras.utils.set_random_seed(0)
    conv, pool = ((keras.layers.Conv2D, keras.layers.GlobalAveragePooling2D) if x.ndim == 4
                  else (keras.layers.Conv1D, keras.layers.GlobalAveragePooling1D))
    model = keras.Sequential([
        keras.Input(x.shape[1:]),
        conv(8, 3, padding="same", activation="relu"),
        (keras.layers.MaxPooling2D if x.ndim == 4 else keras.layers.MaxPooling1D)(2),
        conv(16, 3, padding="same", activation="relu"),
        pool(),
        keras.layers.Dense(n_classes, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    model.save(path)


@pytest.fixture(scope="module")
def own_run(tmp_path_factory):
    """One smoke run of two datasets of yours and nothing else: (workdir, config path)."""
    workdir = tmp_path_factory.mktemp("own")
    x, y = write_digits(workdir / "digits")
    train_small_cnn(x, y, len(DIGITS), workdir / "digits.keras")
    x, y = write_signals(workdir / "waves.npz")
    train_small_cnn(x, y, 3, workdir / "waves.keras")
    config = workdir / "own.yaml"
    config.write_text(yaml.safe_dump({
        "run_datasets": ["digits", "waves"],
        "datasets": {
            "digits": {"kind": "images", "source": "digits", "model_file": "digits.keras",
                       "test_samples": None, "methods": METHODS},
            "waves": {"kind": "signals", "source": "waves.npz", "model_file": "waves.keras",
                      "keep_fraction": 0.3, "methods": METHODS},
        },
        "report": {"pdf": False},
    }))
    run = snakemake(workdir, "--cores", "2", *SMOKE, str(config))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-5000:]
    return workdir, config


@pytest.mark.workflow
@pytest.mark.parametrize("dataset, classes, tested", [("digits", 4, 16), ("waves", 3, 12)])
def test_own_dataset_is_evaluated_explained_and_scored(own_run, dataset, classes, tested):
    workdir, _ = own_run
    results = workdir / "results" / dataset
    metrics = json.loads((results / "eval" / "metrics.json").read_text())
    assert len(metrics["per_class"]) == classes and metrics["accuracy"] >= 0.75
    assert len(pd.read_csv(results / "eval" / "predictions.csv")) == tested
    for method in METHODS:
        with np.load(results / "maps" / method / "shard0.npz") as maps:
            assert np.isfinite(maps["maps"]).all(), method
            assert len(maps["maps"]) == tested, method
        scores = pd.read_csv(results / "scores" / f"{method}.csv")
        assert len(scores) == tested and scores["drop"].notna().all(), method
        assert scores["increase"].notna().all(), method
    summary = pd.read_csv(workdir / "results" / "summary" / "faithfulness.csv")
    assert set(summary["dataset"]) == {"digits", "waves"}
    assert not (workdir / "results" / "mnist1d").exists()


@pytest.mark.workflow
def test_own_datasets_get_their_appendix_sections_and_explorer_entries(own_run):
    workdir, _ = own_run
    html = (workdir / "results" / "report" / "appendix.html").read_text()
    for name in ("digits", "waves"):
        assert f'<h2 id="dataset-{name}">{name}: evaluation and explanations</h2>' in html
        assert (workdir / "results" / "report" / "explorer" / f"{name}.js").exists()
    assert "Task 1: MNIST-1D" not in html and "Task 3: HMT" not in html
    explorer = (workdir / "results" / "report" / "explorer" / "index.html").read_text()
    assert "digits" in explorer and "waves" in explorer
    assert (workdir / "results" / "report" / "explorer" / "digits" / "0.jpg").exists()


@pytest.mark.workflow
def test_changing_one_own_dataset_reruns_only_its_jobs(own_run):
    workdir, config = own_run
    changed = yaml.safe_load(config.read_text())
    changed["datasets"]["waves"]["keep_fraction"] = 0.5
    config.write_text(yaml.safe_dump(changed))
    run = snakemake(workdir, "-n", *SMOKE, str(config))
    assert run.returncode == 0, run.stderr[-3000:]
    outputs = [path for line in run.stdout.splitlines() if line.strip().startswith("output:")
               for path in line.split(":", 1)[1].replace(",", " ").split()]
    assert any(path.startswith("results/waves/scores/") for path in outputs)
    assert not [path for path in outputs if path.startswith("results/digits/")]


@pytest.mark.workflow
def test_own_dataset_mistakes_stop_the_run_naming_the_key(tmp_path):
    (tmp_path / "digits").mkdir()
    entry = {"kind": "images", "source": "digits", "model_file": "digits.keras"}
    cases = [
        ({"run_datasets": ["digitz"], "datasets": {"digits": entry}},
         "config 'run_datasets' names unknown dataset(s) ['digitz']"),
        ({"datasets": {"digits": {**entry, "model": "pretrained", "model_file": None}}},
         "None is not of type 'string'"),
        ({"datasets": {"digits": {"kind": "images", "source": "digits",
                                  "model": "pretrained"}}},
         "config 'datasets: digits': model: pretrained needs model_file"),
        ({"datasets": {"digits": {**entry, "methods": {"rise": {"masks": 0}}}}},
         "config 'datasets: digits: methods: rise': masks"),
        ({"datasets": {"hmt": entry}}, "datasets"),
    ]
    for settings, message in cases:
        config = tmp_path / "own.yaml"
        config.write_text(yaml.safe_dump(settings))
        run = snakemake(tmp_path, "-n", "--configfile", str(REPO / "config" / "config.yaml"),
                        str(config))
        assert run.returncode != 0 and message in run.stdout + run.stderr, (message, run.stderr[-2000:])


@pytest.mark.workflow
def test_skip_unsupported_leaves_out_what_the_model_cannot_serve(tmp_path):
    """A ReLU layer between the pooling and the logits: CAM's class score does not split
    over positions, so with skip_unsupported CAM is left out, naming the layer; Grad-CAM
    stays. A job finds that (the supported_methods checkpoint): building the DAG loads no
    model, so a dry run plans the check and leaves the maps to it."""
    import keras
    from PIL import Image

    from vxai.errors import UserError
    from vxai.stages.support import unsupported_methods

    model = keras.Sequential([
        keras.Input((16, 16, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(8, activation="relu",
                                                                  name="hidden"),
        keras.layers.Dense(2, activation="softmax")])
    model.save(tmp_path / "relu_head.keras")
    found = unsupported_methods(tmp_path / "relu_head.keras", {"cam": {}, "gradcam": {}})
    assert list(found) == ["cam"] and "layer 'hidden' (Dense)" in found["cam"]
    with pytest.raises(UserError, match="does not exist"):
        unsupported_methods(tmp_path / "absent.keras", {"cam": {}})
    rng = np.random.default_rng(0)
    for split in ("train", "test"):
        for klass in ("a", "b"):
            (tmp_path / "pics" / split / klass).mkdir(parents=True)
            for i in range(2):
                Image.fromarray(rng.integers(0, 256, (16, 16), np.uint8)).save(
                    tmp_path / "pics" / split / klass / f"{i}.png")
    config = tmp_path / "own.yaml"
    config.write_text(yaml.safe_dump({"run_datasets": ["pics"], "datasets": {"pics": {
        "kind": "images", "source": "pics", "model_file": "relu_head.keras",
        "skip_unsupported": True, "methods": {"cam": {}, "gradcam": {}}}}}))
    configs = ["--configfile", str(REPO / "config" / "config.yaml"), str(config)]

    planned = snakemake(tmp_path, "-n", *configs)
    assert planned.returncode == 0, planned.stderr[-3000:]
    assert "checkpoint supported_methods:" in planned.stdout
    assert "results/pics/maps/" not in planned.stdout  # decided once the check has run

    checked = snakemake(tmp_path, "--cores", "1", *configs, "--",
                        "results/pics/supported_methods.json")
    assert checked.returncode == 0, checked.stderr[-3000:]
    supported = json.loads((tmp_path / "results" / "pics" / "supported_methods.json").read_text())
    assert supported["kept"] == ["gradcam"] and list(supported["left_out"]) == ["cam"]
    log = (tmp_path / "logs" / "pics" / "supported_methods.log").read_text()
    assert "pics: cam left out (skip_unsupported): cam: layer 'hidden'" in log
    planned = snakemake(tmp_path, "-n", *configs)
    assert planned.returncode == 0, planned.stderr[-3000:]
    assert "results/pics/maps/gradcam/" in planned.stdout
    assert "results/pics/maps/cam/" not in planned.stdout
