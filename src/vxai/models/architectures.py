"""The two project networks: the MNIST-1D "Figure 1" 1-D CNN and the HMT VGG-7."""

import keras
from keras import layers, regularizers


def mnist1d_cnn(length=40, n_classes=10, weight_decay=5e-4, filters=25, channels=1):
    """Three Conv1D layers (kernels 5, 3, 3, "same", ReLU), Flatten, Dense softmax.

    L2 weight decay on the four kernels, not the biases; the Dense kernel starts from
    RandomNormal(0, 0.5). With the defaults the model has 13,960 parameters.
    """
    l2 = regularizers.L2(weight_decay)
    inputs = keras.Input((length, channels), name="signal")
    x = inputs
    for i, kernel in enumerate((5, 3, 3), start=1):
        x = layers.Conv1D(
            filters, kernel, padding="same", activation="relu", kernel_regularizer=l2, name=f"conv{i}"
        )(x)
    x = layers.Flatten(name="flatten")(x)
    outputs = layers.Dense(
        n_classes,
        activation="softmax",
        kernel_initializer=keras.initializers.RandomNormal(0.0, 0.5),
        bias_initializer="zeros",
        kernel_regularizer=l2,
        name="dense",
    )(x)
    return keras.Model(inputs, outputs, name="mnist1d_cnn")


def vgg7(input_size=224, n_classes=8, weight_decay=5e-4, channels=3):
    """The course's VGG-7: two blocks of two 3x3 Conv2D + MaxPool, GAP, Dense softmax;
    `input_size`: the side of square images, or (height, width)."""
    l2 = regularizers.L2(weight_decay)
    height, width = (input_size, input_size) if isinstance(input_size, int) else input_size
    inputs = keras.Input((height, width, channels), name="image")
    x = inputs
    for block, filters in enumerate((32, 64), start=1):
        for i in (1, 2):
            x = layers.Conv2D(
                filters,
                3,
                padding="same",
                activation="relu",
                kernel_regularizer=l2,
                name=f"block{block}_conv{i}",
            )(x)
        x = layers.MaxPooling2D(2, name=f"block{block}_pool")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = layers.Dense(n_classes, activation="softmax", kernel_regularizer=l2, name="dense")(x)
    return keras.Model(inputs, outputs, name="vgg7")
