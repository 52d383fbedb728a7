"""The two models' recipes: train MNIST-1D's CNN or HMT's VGG-7, or import the course's model."""

import keras

from vxai.data.inputs import load_arrays, model_inputs
from vxai.io import atomic_path, save_csv, save_json
from vxai.models import architectures
from vxai.io import file_sha256
from vxai.models.loading import check_shapes, load_model
from vxai.models.training import fit, validation_split

# the inputs and classes of each dataset's model: (spatial rank, channels, classes)
MODEL_SHAPES = {"mnist1d": (1, 1, 10), "hmt": (2, 3, 8)}


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


def train_for_dataset(dataset, data_path, train, input_size, model_path, history_path,
                      info_path, seed=0):
    """Build and train `dataset`'s model from `train` settings; write the model, its
    per-epoch history and an info JSON."""
    data = load_arrays(data_path)
    if dataset == "mnist1d":
        model = architectures.mnist1d_cnn(
            length=data["x"].shape[1], n_classes=len(data["class_names"]),
            weight_decay=train["weight_decay"],
        )
        augment = None
    else:
        model = architectures.vgg7(input_size, len(data["class_names"]), train["weight_decay"])
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


def import_pretrained(dataset, h5_path, model_path, info_path):
    """Load a course HDF5 model (the MNIST-1D CNN or the HMT VGG-7), check its input and
    output shapes fit `dataset`, save it as .keras with an info file recording where it came
    from."""
    model = load_model(h5_path)
    rank, channels, classes = MODEL_SHAPES[dataset]
    check_shapes(model, h5_path, rank=rank, channels=channels, n_classes=classes)
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
