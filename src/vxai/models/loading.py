"""Load saved models (.keras or legacy .h5) with checks, as functional graphs."""

from pathlib import Path

import keras
import numpy as np

from vxai import passes
from vxai.errors import UserError


def as_functional(model):
    """A functional copy of a Sequential model (other models are returned as they are).

    Sequential models loaded from legacy HDF5 may lack `.output`; re-creating each layer
    from its config on a fresh Input and copying the weights gives a graph whose layers
    each have one call, so sub-models for activations and gradients can be cut from it.
    """
    if not isinstance(model, keras.Sequential):
        return model
    inputs = keras.Input(model.input_shape[1:], name="input")
    x = inputs
    for layer in model.layers:
        clone = layer.__class__.from_config(layer.get_config())
        x = clone(x)
        clone.set_weights(layer.get_weights())
    return keras.Model(inputs, x, name=model.name)


def compiled_forward(model):
    """The inference pass of a Keras model (or any callable taking `training`) as one
    compiled function, retraced only when the batch shape changes."""
    import tensorflow as tf

    return tf.function(lambda batch: model(batch, training=False), reduce_retracing=True)


def batched_predictor(model, batch_size):
    """predict(x) -> the model's outputs as NumPy, `batch_size` inputs per call of one
    compiled forward pass (no per-call input pipeline, unlike `model.predict`)."""
    import tensorflow as tf

    forward = compiled_forward(model)

    def predict(x):
        x = np.asarray(x, dtype=np.float32)
        passes.add("forward", len(x))
        outputs = [forward(tf.constant(x[start : start + batch_size])).numpy()
                   for start in range(0, len(x), batch_size)]
        return np.concatenate(outputs) if outputs else np.zeros((0, *model.output_shape[1:]), np.float32)

    return predict


def load_model(path):
    """Load a model file without compiling it, as a functional model."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"model file '{path}' does not exist; check the path in the config")
    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as err:  # Keras raises many types for unreadable files
        raise UserError(
            f"model file '{path}' could not be loaded by Keras ({err.__class__.__name__}: "
            f"{str(err)[:300]}); replace it with a .keras or .h5 file saved by Keras"
        ) from None
    return as_functional(model)


def check_shapes(model, path, rank, channels, n_classes):
    """Raise a UserError naming `path` unless the model takes (rank spatial dims, channels)
    inputs (`channels`: the counts the data can be given in) and returns `n_classes`
    outputs."""
    in_shape, out_shape = tuple(model.input_shape), tuple(model.output_shape)
    if len(in_shape) != rank + 2 or in_shape[-1] not in channels:
        raise UserError(
            f"model '{path}' takes inputs of shape {in_shape[1:]}, but this dataset needs "
            f"{rank}-D inputs with {' or '.join(map(str, channels))} channel(s); use the model "
            "trained for this dataset"
        )
    if out_shape[1:] != (n_classes,):
        raise UserError(
            f"model '{path}' has output shape {out_shape[1:]}, but this dataset has {n_classes} "
            "classes; use the model trained for this dataset"
        )
