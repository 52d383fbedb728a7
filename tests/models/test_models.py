"""The two architectures, model loading and checks, and the imported HMT model's accuracy."""

import numpy as np
import pytest

from conftest import shared
from vxai.errors import UserError


def test_figure1_cnn_matches_the_specification():
    import keras

    from vxai.models.architectures import mnist1d_cnn

    model = mnist1d_cnn()
    assert model.count_params() == 13960
    assert model.input_shape == (None, 40, 1) and model.output_shape == (None, 10)
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv1D)]
    assert [(c.filters, c.kernel_size, c.padding) for c in convs] == [
        (25, (5,), "same"), (25, (3,), "same"), (25, (3,), "same")]
    dense = model.get_layer("dense")
    assert dense.kernel_initializer.stddev == 0.5
    for layer in [*convs, dense]:
        assert layer.kernel_regularizer.l2 == pytest.approx(5e-4)  # stored as float32
        assert layer.bias_regularizer is None


def test_vgg7_shapes():
    from vxai.models.architectures import vgg7

    model = vgg7(64)
    assert model.output_shape == (None, 8)
    assert model.get_layer("block2_pool").output.shape[1:] == (16, 16, 64)


def test_loading_a_broken_file_names_it(tmp_path):
    from vxai.models.loading import load_model

    bad = tmp_path / "model.h5"
    bad.write_bytes(b"definitely not HDF5")
    with pytest.raises(UserError, match="model.h5' could not be loaded"):
        load_model(bad)
    with pytest.raises(UserError, match="does not exist"):
        load_model(tmp_path / "absent.keras")


def test_shape_check_rejects_a_model_for_the_other_dataset():
    from vxai.models.architectures import mnist1d_cnn
    from vxai.models.loading import check_shapes

    with pytest.raises(UserError, match="1-D inputs|2-D inputs"):
        check_shapes(mnist1d_cnn(), "m.keras", rank=2, channels=(3,), n_classes=8)


@pytest.mark.realdata
def test_imported_course_model_scores_414_of_496(tmp_path, real_hmt):
    from vxai.data.inputs import model_inputs
    from vxai.io import file_sha256
    from vxai.models.loading import load_model
    from vxai.models.recipes import import_pretrained

    h5 = shared("models", "HMT.h5")
    assert file_sha256(h5) == "3ce84002babdcd93ce1825f4b896ec94f3d76acf20fa23d65c8c810be80e9f26"
    arrays, _ = real_hmt
    data = tmp_path / "hmt.npz"
    np.savez(data, x_test=arrays["x_test"][:2], class_names=arrays["class_names"])
    import_pretrained("hmt", "images", h5, data, tmp_path / "hmt.keras",
                      tmp_path / "hmt_info.json")
    model = load_model(tmp_path / "hmt.keras")
    x = model_inputs(arrays["x_test"], model.input_shape)
    predicted = model.predict(x, batch_size=64, verbose=0).argmax(axis=1)
    assert int(np.sum(predicted == arrays["y_test"])) == 414


def test_imported_course_mnist1d_model_scores_877_of_1000(tmp_path):
    """The course's Figure-1 CNN on the canonical test split, imported as `model:
    pretrained` does; importing it for HMT names the file and the shape mismatch."""
    import json

    from vxai.data.mnist1d import generate
    from vxai.errors import UserError
    from vxai.models.loading import load_model
    from vxai.models.recipes import import_pretrained

    import yaml

    from conftest import REPO, synthetic_tile

    h5 = shared("models", "MNIST1D.h5")
    data = generate(yaml.safe_load((REPO / "config" / "config.yaml").read_text())["mnist1d"]["generate"])
    np.savez(tmp_path / "mnist1d.npz", x_test=data["x_test"], class_names=data["class_names"])
    import_pretrained("mnist1d", "signals", h5, tmp_path / "mnist1d.npz",
                      tmp_path / "mnist1d.keras", tmp_path / "mnist1d_info.json")
    info = json.loads((tmp_path / "mnist1d_info.json").read_text())
    assert info["origin"] == "imported" and info["input_shape"] == [40, 1]
    model = load_model(tmp_path / "mnist1d.keras")
    predicted = model.predict(data["x_test"][..., None], verbose=0).argmax(axis=1)
    assert int(np.sum(predicted == data["y_test"])) == 877
    tiles = np.stack([synthetic_tile(label, 0) for label in range(8)])
    np.savez(tmp_path / "hmt.npz", x_test=tiles, class_names=np.array(list("abcdefgh")))
    with pytest.raises(UserError, match=r"MNIST1D.h5' takes inputs of shape \(40, 1\), but "
                                        r"this dataset needs 2-D inputs with 1 or 3 channel"):
        import_pretrained("hmt", "images", h5, tmp_path / "hmt.npz", tmp_path / "x.keras",
                          tmp_path / "x.json")


def test_hmt_training_recipe_runs_and_records_history(tmp_path):
    """The `model: train` path on tiny synthetic tiles at a small input size."""
    import json

    from conftest import synthetic_tile
    from vxai.models.loading import load_model
    from vxai.models.recipes import train_for_dataset

    x = np.stack([synthetic_tile(label, i) for label in range(8) for i in range(3)])
    y = np.repeat(np.arange(8), 3)
    np.savez(tmp_path / "hmt.npz", x=x, y=y, class_names=np.array([f"c{i}" for i in range(8)]))
    model_path, history_path, info_path = (tmp_path / name for name in
                                           ("hmt.keras", "h.csv", "info.json"))
    train = {"epochs": 2, "batch_size": 8, "learning_rate": 0.01, "validation_split": 0.25,
             "weight_decay": 5e-4, "augment": {"shear": 0.1, "rotation_degrees": 15, "flip": True}}
    train_for_dataset("hmt", "images", tmp_path / "hmt.npz", train, 32, model_path, history_path, info_path)
    import pandas as pd

    history = pd.read_csv(history_path)
    assert list(history["epoch"]) == [1, 2] and history["val_accuracy"].notna().all()
    assert load_model(model_path).input_shape == (None, 32, 32, 3)
    info = json.loads(info_path.read_text())
    assert info["origin"] == "trained" and info["epochs"] == 2


def test_the_validation_split_holds_out_every_class_of_sorted_labels():
    """The HMT training tiles come sorted by class: the held-out tenth has every class in
    proportion (Keras' last tenth would be one class), and the draw is seeded."""
    from vxai.models.training import validation_split

    y = np.repeat(np.arange(8), [500, 600, 550, 560, 570, 580, 590, 54])
    kept, held = validation_split(y, 0.1, seed=3)
    assert len(np.intersect1d(kept, held)) == 0 and len(kept) + len(held) == len(y)
    assert np.bincount(y[held]).tolist() == [50, 60, 55, 56, 57, 58, 59, 5]
    again = validation_split(y, 0.1, seed=3)[1]
    assert np.array_equal(held, again)
    assert not np.array_equal(held, validation_split(y, 0.1, seed=4)[1])
    assert len(validation_split(y, 0.0)[1]) == 0


def test_early_stopping_keeps_the_best_epoch_and_cosine_decays_to_zero():
    """With `patience`, training stops once the validation accuracy has not improved for
    that many epochs and the model keeps the weights of its best epoch: evaluated again,
    it scores the best accuracy of the history. The cosine schedule ends at 0."""
    import keras

    from vxai.models.training import fit

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(240, 6)).astype(np.float32)
    y = (x[:, 0] + 0.8 * rng.normal(size=240) > 0).astype(int)  # noisy labels: val accuracy wobbles
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(2, activation="softmax")])
    history = fit(model, x[:160], y[:160], 40, 16, 0.5, (x[160:], y[160:]), momentum=0.9,
                  patience=3)
    best = history["val_accuracy"].to_numpy().argmax()
    assert len(history) < 40 and len(history) == best + 1 + 3  # stopped 3 epochs after the best
    accuracy = (model.predict(x[160:], verbose=0).argmax(axis=1) == y[160:]).mean()
    assert accuracy == pytest.approx(history["val_accuracy"].max(), abs=1e-6)
    assert float(model.optimizer.momentum) == pytest.approx(0.9)

    fit(model, x[:160], y[:160], 3, 16, 0.1, schedule="cosine")
    assert float(model.optimizer.learning_rate) == pytest.approx(0.0, abs=1e-9)
    from vxai.errors import UserError

    with pytest.raises(UserError, match="patience needs validation samples"):
        fit(model, x, y, 2, 16, 0.1, patience=2)
