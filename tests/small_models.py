"""Small models, inputs and fast settings the method and metric tests share."""

import keras
import numpy as np

from vxai.methods import get_method

FAST = {"integrated_gradients": {"steps": 16}, "smoothgrad": {"samples": 8},
        "rise": {"masks": 64, "cells": 4}, "occlusion": {"window": 3, "stride": 2},
        "lime": {"samples": 64, "segmentation": "grid"},
        "kernelshap": {"samples": 64, "segmentation": "grid"},
        "counterfactual": {"steps": 20, "learning_rate": 0.05},
        "extremal_perturbation": {"steps": 10, "step": 2, "sigma": 3.0, "max_blur": 2.0}}


def small_cnn(rank, use_bias=True, seed=0, pool="max", head="flatten"):
    """A small project-like CNN: two convs, pooling, flatten or GAP, Dense softmax."""
    keras.utils.set_random_seed(seed)
    conv = keras.layers.Conv1D if rank == 1 else keras.layers.Conv2D
    pooling = {1: keras.layers.MaxPooling1D, 2: keras.layers.MaxPooling2D}[rank]
    gap = {1: keras.layers.GlobalAveragePooling1D, 2: keras.layers.GlobalAveragePooling2D}[rank]
    inputs = keras.Input((24, 2) if rank == 1 else (12, 12, 3))
    x = conv(6, 3, padding="same", activation="relu", use_bias=use_bias)(inputs)
    x = pooling(2)(x) if pool == "max" else x
    x = conv(5, 3, padding="same", activation="relu", use_bias=use_bias, name="last_conv")(x)
    x = keras.layers.Flatten()(x) if head == "flatten" else gap()(x)
    outputs = keras.layers.Dense(4, activation="softmax", use_bias=use_bias, name="head")(x)
    return keras.Model(inputs, outputs)


def sample(model, n, seed=1):
    return np.random.default_rng(seed).normal(size=(n, *model.input_shape[1:])).astype(np.float32)


def ready(method, model, **params):
    """The method's explainer, fitted on 24 samples of every class in turn if it needs data."""
    explainer = get_method(method)(model, **params)
    if explainer.fit_split:
        explainer.fit(sample(model, 24, seed=7), np.arange(24) % model.output_shape[-1],
                      np.arange(24))
    return explainer


def linear_model(weights, inputs_shape, activation=None):
    """Outputs = flatten(x) @ weights, no bias (optionally softmax)."""
    inputs = keras.Input(inputs_shape)
    dense = keras.layers.Dense(weights.shape[1], use_bias=False, activation=activation)
    outputs = dense(keras.layers.Flatten()(inputs))
    dense.set_weights([weights.astype(np.float32)])
    return keras.Model(inputs, outputs)
