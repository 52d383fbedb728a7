"""MNIST-1D, generated locally with the `mnist1d` package."""

import numpy as np
from mnist1d.data import get_dataset_args, get_templates, make_dataset
from mnist1d.transform import (corr_noise_like, iid_noise_like, interpolate, pad, shear,
                               translate)
from mnist1d.utils import ObjectView, set_seed

from vxai.errors import UserError

CLASS_NAMES = [str(d) for d in range(10)]


def _arguments(args):
    defaults = get_dataset_args(as_dict=True)
    unknown = sorted(set(args) - set(defaults))
    if unknown:
        raise UserError(
            f"unknown MNIST-1D generation argument(s) {unknown} in config 'mnist1d: generate'; "
            f"known ones are {sorted(k for k in defaults if k != 'url')}"
        )
    merged = {**defaults, **args}
    merged["padding"] = list(merged["padding"])
    return ObjectView(merged)


def replay(args):
    """Re-run the package's generator with the same seed and random draws, tracking which
    points come from the digit template. Returns (signals, labels, support) in the package's
    final order; `support` is the fraction (0..1) of each of the final points that was
    interpolated from template points rather than padding and noise."""
    args = _arguments(args)
    templates = get_templates()
    set_seed(args.seed)
    signals, supports, labels = [], [], []
    per_class = args.num_samples // len(templates["y"])
    length = args.template_len + args.padding[-1]
    for label in templates["y"]:
        for _ in range(per_class):  # the same calls, in the same order, as transform()
            x = pad(templates["x"][label] + 1e-8, args.padding)
            x = interpolate(x, length)
            x *= 1 + args.scale_coeff * (np.random.rand() - 0.5)
            x = translate(x, args.max_translation)
            mask = x != 0  # where the template (not the zero padding) landed
            x = mask * x + (1 - mask) * corr_noise_like(x, args.corr_noise_scale)
            x = x + iid_noise_like(x, args.iid_noise_scale)
            x = shear(x, args.shear_scale)
            signals.append(interpolate(x, args.final_seq_length))
            supports.append(interpolate(mask.astype(np.float64), args.final_seq_length))
            labels.append(label)
    order = np.random.permutation(len(labels))
    signals, supports = np.stack(signals)[order], np.stack(supports)[order]
    if args.shuffle_seq:
        seq = np.random.permutation(args.final_seq_length)
        signals, supports = signals[..., seq], supports[..., seq]
    signals = (signals - signals.mean()) / signals.std()
    return signals, np.asarray(labels)[order], supports


def generate(args):
    """Make the dataset from `args` (the package's argument names); return a dict of arrays.

    Keys: x, y, x_test, y_test (signals (n, 40) exactly as the package makes them, labels
    int64), support and support_test (per point, the fraction that comes from the digit
    template, from `replay`; NaN if the replay does not reproduce the signals), t (the time axis),
    templates (10, 12) with templates_t, ids and ids_test (string ids), class_names.
    """
    data = make_dataset(_arguments(args), template=get_templates())
    templates = data["templates"]
    signals, _, support = replay(args)
    if not np.array_equal(signals, np.concatenate([data["x"], data["x_test"]])):
        print("WARNING: the template-support replay does not reproduce this mnist1d version's "
              "signals; template localization scores will be missing")
        support = np.full(signals.shape, np.nan)
    n_train = len(data["y"])
    return {
        "x": np.asarray(data["x"]),
        "y": data["y"].astype(np.int64),
        "x_test": np.asarray(data["x_test"]),
        "y_test": data["y_test"].astype(np.int64),
        "support": support[:n_train],
        "support_test": support[n_train:],
        "t": np.asarray(data["t"], dtype=np.float64),
        "templates": np.asarray(templates["x"], dtype=np.float64),
        "templates_t": np.asarray(templates["t"], dtype=np.float64),
        "ids": np.array([f"train/{i:05d}" for i in range(len(data["y"]))]),
        "ids_test": np.array([f"test/{i:05d}" for i in range(len(data["y_test"]))]),
        "class_names": np.array(CLASS_NAMES),
    }
