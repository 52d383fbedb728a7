"""The models' recipes: train the signal CNN (MNIST-1D's) or the image VGG-7 (HMT's), or
import a trained Keras model after checking that it fits the dataset."""

import keras

from vxai.data.inputs import load_arrays, model_inputs
from vxai.io import atomic_path, save_csv, save_json
from vxai.models import architectures
from vxai.io import file_sha256
from vxai.models.loading import check_shapes, load_model
from vxai.models.training import fit, validation_split

# the spatial rank of each kind of data
RANKS = {"signals": 1, "images": 2}


def hmt_augmentation(shear=0.1, rotation_degrees=15, flip=True):
    """The course's augmentation as Keras layers: shear, rotation, horizontal/vertical flips."""
    steps = [
        keras.layers.RandomShear(x_factor=shear, y_factor=shear, fill_mode="reflect"),
        keras.layers.RandomRotation(rotation_degrees / 360.0, fill_mode="reflect"),
    ]
    if flip:
        steps.append(keras.layers.RandomFlip("horizontal_and_vertical"))
    return keras.Sequential(steps, name="augment")


def _save_model(model, path):
    with atomic_path(path) as tmp:
        model.save(tmp)


def train_for_dataset(dataset, kind, data_path, train, input_size, model_path, history_path,
                      info_path, seed=0):
    """Build and train the model of `dataset`, of `kind` (the signal CNN or the image VGG-7),
    from `train` settings; write the model, its per-epoch history and an info JSON.
    `input_size`: the images' side in the model (None: their own size)."""
    data = load_arrays(data_path)
    if kind == "signals":
        model = architectures.mnist1d_cnn(
            length=data["x"].shape[1], n_classes=len(data["class_names"]),
            weight_decay=train["weight_decay"],
            channels=data["x"].shape[2] if data["x"].ndim == 3 else 1,
        )
        augment = None
    else:
        model = architectures.vgg7(input_size or data["x"].shape[1:3], len(data["class_names"]),
                                   train["weight_decay"], data["x"].shape[-1])
        augment = hmt_augmentation(**train.get("augment", {}))
    kept, held = validation_split(data["y"], train["validation_split"], seed)
    validation = None
    if len(held):
        validation = (model_inputs(data["x"][held], model.input_shape), data["y"][held])
    history = fit(
        model, model_inputs(data["x"][kept], model.input_shape), data["y"][kept],
        train["epochs"], train["batch_size"], train["learning_rate"], validation, augment,
        train.get("momentum", 0.0), train.get("schedule", "constant"), train.get("patience"),
    )
    print(history.to_string(index=False))
    kept = len(history) - 1  # the epoch whose weights are saved
    if train.get("patience") is not None and len(history):
        kept = int(history["val_accuracy"].to_numpy().argmax())  # EarlyStopping's best epoch
    _save_model(model, model_path)
    save_csv(history_path, history)
    save_json(
        info_path,
        {
            "dataset": dataset,
            "origin": "trained",
            "parameters": int(model.count_params()),
            "input_shape": list(model.input_shape[1:]),
            "epochs": int(train["epochs"]),
            "epochs_run": int(len(history)),
            "kept_epoch": kept + 1 if len(history) else None,
            "kept_val_accuracy": float(history["val_accuracy"].iloc[kept]) if len(history) else None,
        },
    )


def import_pretrained(dataset, kind, h5_path, data_path, model_path, info_path):
    """Load a trained model (.keras or legacy .h5), check that it takes the dataset's inputs
    (signals: their channels; images: grey or RGB) and has one output per class, save it as
    .keras with an info file recording where it came from."""
    model = load_model(h5_path)
    data = load_arrays(data_path, ["x_test", "class_names"])
    x = data["x_test"]
    if kind == "signals":
        channels = (x.shape[2] if x.ndim == 3 else 1,)
    else:
        channels = (1, 3)
    check_shapes(model, h5_path, rank=RANKS[kind], channels=channels,
                 n_classes=len(data["class_names"]))
    _save_model(model, model_path)
    save_json(
        info_path,
        {
            "dataset": dataset,
            "origin": "imported",
            "source_file": str(h5_path),
            "sha256": file_sha256(h5_path),
            "parameters": int(model.count_params()),
            "input_shape": list(model.input_shape[1:]),
        },
    )
