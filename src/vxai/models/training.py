"""Training with SGD and cross-entropy on the softmax output; history as a table."""

import math

import keras
import numpy as np
import pandas as pd

from vxai.errors import UserError

# no timings here: outputs must be identical across reruns (the log and benchmark keep them)
HISTORY_COLUMNS = ["epoch", "loss", "accuracy", "val_loss", "val_accuracy"]


def compile_sgd(model, learning_rate, momentum=0.0):
    """SGD (plain by default), sparse cross-entropy on probabilities, accuracy.
    `learning_rate` is a number or a Keras schedule."""
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=learning_rate, momentum=momentum),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False),
        metrics=["accuracy"],
    )


def validation_split(y, fraction, seed=0):
    """(train, validation) positions: a seeded draw of `fraction` of every class, so the
    held-out samples have the classes' proportions whatever the order of `y` (the HMT
    training tiles come sorted by class, and Keras' last-`fraction` split would hold out
    one class)."""
    rng = np.random.default_rng(seed)
    held = [rng.permutation(np.flatnonzero(y == c))[: int(round(fraction * np.sum(y == c)))]
            for c in np.unique(y)]
    held = np.sort(np.concatenate(held)) if held else np.array([], dtype=int)
    return np.setdiff1d(np.arange(len(y)), held), held


def fit(model, x_train, y_train, epochs, batch_size, learning_rate, validation=None,
        augment=None, momentum=0.0, schedule="constant", patience=None):
    """Train on (x_train, y_train), reporting the loss and accuracy on `validation` (a pair
    x, y) after each epoch; return the per-epoch history. `augment` is an optional Keras
    layer applied to training batches only. `schedule`: a constant learning rate, or a
    cosine decay from it to 0 over all epochs. `patience`: stop once the validation accuracy
    has not improved for that many epochs, and keep the weights of its best epoch."""
    steps = math.ceil(len(x_train) / batch_size) * epochs
    if schedule == "cosine" and steps:
        learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, steps)
    compile_sgd(model, learning_rate, momentum)
    callbacks = []
    if patience is not None:
        if validation is None:
            raise UserError("train: patience needs validation samples; set validation_split above 0")
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor="val_accuracy", mode="max", patience=patience, restore_best_weights=True))
    if augment is None:
        result = model.fit(
            x_train, y_train, batch_size=batch_size, epochs=epochs, shuffle=True,
            validation_data=validation, verbose=2, callbacks=callbacks,
        )
    else:
        import tensorflow as tf

        data = (
            tf.data.Dataset.from_tensor_slices((x_train, y_train))
            .shuffle(len(x_train), reshuffle_each_iteration=True)
            .batch(batch_size)
            .map(lambda a, b: (augment(a, training=True), b))
        )
        result = model.fit(data, epochs=epochs, validation_data=validation, verbose=2,
                           callbacks=callbacks)
    history = pd.DataFrame(result.history)
    history.insert(0, "epoch", range(1, len(history) + 1))
    return history.reindex(columns=HISTORY_COLUMNS)
