"""Training with plain SGD and cross-entropy on the softmax output; history as a table."""

import keras
import pandas as pd

# no timings here: outputs must be identical across reruns (the log and benchmark keep them)
HISTORY_COLUMNS = ["epoch", "loss", "accuracy", "val_loss", "val_accuracy"]


def compile_sgd(model, learning_rate):
    """Plain SGD (no momentum), sparse cross-entropy on probabilities, accuracy."""
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.0),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False),
        metrics=["accuracy"],
    )


def fit(model, x, y, epochs, batch_size, learning_rate, validation_split=0.1, augment=None):
    """Train on (x, y) holding out the last `validation_split` as Keras does; return history.

    `augment` is an optional Keras layer applied to training batches only.
    """
    compile_sgd(model, learning_rate)
    n_val = int(len(x) * validation_split)
    x_train, y_train = x[: len(x) - n_val], y[: len(y) - n_val]
    validation = (x[len(x) - n_val :], y[len(y) - n_val :]) if n_val else None
    if augment is None:
        result = model.fit(
            x_train, y_train, batch_size=batch_size, epochs=epochs, shuffle=True,
            validation_data=validation, verbose=2,
        )
    else:
        import tensorflow as tf

        data = (
            tf.data.Dataset.from_tensor_slices((x_train, y_train))
            .shuffle(len(x_train), reshuffle_each_iteration=True)
            .batch(batch_size)
            .map(lambda a, b: (augment(a, training=True), b))
        )
        result = model.fit(data, epochs=epochs, validation_data=validation, verbose=2)
    history = pd.DataFrame(result.history)
    history.insert(0, "epoch", range(1, len(history) + 1))
    return history.reindex(columns=HISTORY_COLUMNS)
