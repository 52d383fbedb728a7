"""Extremal perturbations: smooth masks of the requested area that preserve the class score
better than random masks of that area."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from small_models import sample, small_cnn
from vxai.methods import get_method
from vxai.methods.perturbation.extremal_perturbation import blur_pyramid

SETTINGS = {1: {"step": 1, "sigma": 1.5, "max_blur": 3.0},
            2: {"step": 2, "sigma": 2.0, "max_blur": 3.0}}

# the same pull per position (2 w / positions, about 1.5) on 24 and on 144 positions
AREA_WEIGHT = {1: 20.0, 2: 100.0}


def linear_model(shape):
    inputs = keras.Input(shape)
    return keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Flatten()(inputs)))


def test_the_smooth_mask_of_one_grid_point_is_a_bump_around_it():
    explainer = get_method("extremal_perturbation")(linear_model((20, 1)), areas=[0.5], step=4,
                                                    sigma=6.0)
    assert explainer.grid == [5]
    parameters = np.zeros((1, 1, 5), np.float32)
    parameters[..., 2] = 1.0  # the grid point at position 8
    mask = explainer.masks(tf.constant(parameters)).numpy().ravel()
    np.testing.assert_allclose(mask[8 - 8 : 9], mask[8 : 17][::-1], atol=1e-6)  # symmetric
    assert np.all(np.diff(mask[8:]) <= 1e-7) and np.all(np.diff(mask[:9]) >= -1e-7)
    assert mask[5:12].min() == pytest.approx(1.0, abs=1e-6)  # flat top: distance <= sigma / 2


def test_masks_equal_the_smooth_max_over_every_position_and_grid_point():
    """Position by position: the softmax-weighted (coldness 20) sum over the grid points
    within the kernel's reach of each position's cell, on a grid that overhangs the input."""
    step, sigma, size = 3, 4.0, (10, 8)
    explainer = get_method("extremal_perturbation")(linear_model((*size, 1)), areas=[0.5],
                                                    step=step, sigma=sigma)
    grid = explainer.grid
    parameters = np.random.default_rng(0).random((1, 1, grid[0] * grid[1])).astype(np.float32)
    reach = 1 + int(np.ceil(sigma / step))
    expected = np.zeros(size)
    for r, c in np.ndindex(*size):
        values = []
        for dr, dc in np.ndindex(2 * reach + 1, 2 * reach + 1):
            gr, gc = r // step + dr - reach, c // step + dc - reach
            on_grid = 0 <= gr < grid[0] and 0 <= gc < grid[1]
            distance = np.hypot(r - step * gr, c - step * gc)
            weight = np.exp(-2 * max(0.0, distance / sigma - 0.5) ** 2)
            values.append(weight * parameters[0, 0, gr * grid[1] + gc] if on_grid else 0.0)
        values = np.array(values)
        expected[r, c] = min(1.0, (values * np.exp(20 * values)).sum() / np.exp(20 * values).sum())
    np.testing.assert_allclose(explainer.masks(tf.constant(parameters)).numpy()[0, 0], expected,
                               atol=1e-6)


def test_the_pyramid_runs_from_most_blurred_to_the_input():
    x = sample(small_cnn(2), 2)
    pyramid = blur_pyramid(x, 8, 4.0)
    np.testing.assert_array_equal(pyramid[:, -1], x)
    spread = [pyramid[:, level].std() for level in range(8)]
    assert all(a <= b for a, b in zip(spread, spread[1:]))


def planted(rank):
    """A linear model whose class-0 logit is 3 x the sum of a patch of the input, and inputs
    that are bright on that patch: only masks that preserve the patch keep the logit."""
    shape = (24, 1) if rank == 1 else (12, 12, 1)
    patch = np.zeros(shape[:-1], np.float32)
    patch[tuple(slice(4, 8) for _ in range(rank))] = 1.0
    inputs = keras.Input(shape)
    head = keras.layers.Dense(2)
    model = keras.Model(inputs, head(keras.layers.Flatten()(inputs)))
    head.set_weights([np.stack([3 * patch.ravel(), np.zeros(patch.size)], 1), np.zeros(2)])
    x = np.random.default_rng(0).random((3, *shape)).astype(np.float32) * 0.2
    x[..., 0] += 2 * patch
    return model, x, patch


@pytest.mark.parametrize("rank", [1, 2])
def test_masks_reach_their_area_and_beat_random_masks_of_that_area(rank):
    model, x, patch = planted(rank)
    areas = [0.2, 0.4]
    explainer = get_method("extremal_perturbation")(
        model, areas=areas, steps=300, learning_rate=0.05, area_weight=AREA_WEIGHT[rank],
        **SETTINGS[rank])
    targets = np.zeros(3, np.int32)
    masks, pyramid = explainer.optimize(x, targets)
    positions = explainer.positions
    flat = masks.reshape(3, 2, -1)
    for k, area in enumerate(areas):  # sorted values: the top `area` at >= 0.5, the rest below
        assert np.abs((flat[:, k] >= 0.5).mean(axis=-1) - area).max() <= 0.05
        assert np.abs(flat[:, k].mean(axis=-1) - area).max() <= 0.05
    # the smallest mask sits on the patch
    assert (masks[:, 0] * patch).sum(axis=tuple(range(1, rank + 1))).min() > 0.75 * patch.sum()
    # preserved inputs: the top `area` positions of the mask against random smooth masks
    rng = np.random.default_rng(0)

    def score(binary):  # binary (3, areas, positions) -> class logits of the preserved inputs
        inputs = explainer.perturbed(pyramid, tf.constant(binary.reshape(masks.shape), tf.float32))
        return explainer.logits(inputs).numpy()[:, 0].reshape(3, 2)

    def top(values, area):
        out = np.zeros_like(values)
        np.put_along_axis(out, np.argsort(-values, axis=-1)[..., : round(positions * area)], 1.0,
                          axis=-1)
        return out

    def random_smooth():  # a smooth mask from random grid parameters, as the method makes them
        grid = rng.random((3, 2, int(np.prod(explainer.grid))), dtype=np.float32)
        return explainer.masks(tf.constant(grid)).numpy().reshape(3, 2, -1)

    found = score(np.stack([top(flat[:, k], a) for k, a in enumerate(areas)], 1))
    random = np.stack([score(np.stack([top(random_smooth()[:, k], a) for k, a in enumerate(areas)], 1))
                       for _ in range(20)])
    assert (found >= random.mean(axis=0)).all()


def test_the_map_sums_the_masks():
    model = small_cnn(1)
    x = sample(model, 2)
    explainer = get_method("extremal_perturbation")(model, areas=[0.2, 0.5], steps=20,
                                                    **SETTINGS[1])
    result = explainer.explain(x)
    masks = explainer.optimize(x, result.targets)[0]
    np.testing.assert_allclose(result.maps, masks.sum(axis=1), atol=1e-6)
    assert result.extras["area_error"].shape == (2,)
