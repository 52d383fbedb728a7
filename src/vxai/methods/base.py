"""The common interface: inputs (n, *spatial, channels), integer targets (n,), float32 maps
(n, *spatial) at the model's input resolution."""

import inspect
from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm

from vxai import passes
from vxai.errors import UserError


@dataclass
class Attribution:
    """Maps (n, *spatial) float32 and per-sample extras (e.g. completeness error)."""

    maps: np.ndarray
    targets: np.ndarray
    extras: dict = field(default_factory=dict)


class Explainer:
    """Base class: batching, default targets, finiteness checks. Subclasses implement
    `explain_batch(x, targets) -> (maps, extras)` for one batch of float32 inputs."""

    name = family = display = None
    # how bench/run.py prices a map: in forward+backward passes ("gradient"), forward passes
    # ("forward", counted by `self.scores` where the method streams masks through
    # MaskedScores) or passes of the layers after the target layer ("head")
    cost_kind = "gradient"
    # the data split ("train" or "test") that `fit` must see before `explain`, or None
    fit_split = None

    def __init__(self, model, batch_size=32, seed=0, **unknown):
        from vxai.models.loading import as_functional, batched_predictor

        if unknown:
            raise UserError(
                f"method '{self.name}' has no parameter(s) {', '.join(sorted(unknown))}; "
                f"it accepts: {', '.join(self.parameters())}"
            )
        self.model = as_functional(model)
        self.batch_size = int(batch_size)
        self.seed = int(seed)
        self.predict = batched_predictor(self.model, self.batch_size)  # class probabilities

    @classmethod
    def parameters(cls):
        """The keyword parameters the method accepts, its own first, in signature order."""
        names = []
        for klass in cls.__mro__:
            if "__init__" in vars(klass):
                for name, param in inspect.signature(klass.__init__).parameters.items():
                    if param.kind is param.POSITIONAL_OR_KEYWORD and name not in (
                            "self", "model", *names):
                        names.append(name)
        return names

    def passes_per_map(self):
        """Model passes of kind `cost_kind` that one map costs."""
        return 1

    def fit(self, x, y, ids):
        """Learn what the method needs from the `fit_split` split: model inputs `x`, labels
        `y` and sample ids `ids` (methods with `fit_split = None` need nothing)."""
        self.fitted = True

    def _check_fitted(self):
        if self.fit_split and not getattr(self, "fitted", False):
            raise UserError(
                f"method '{self.name}' needs the {self.fit_split} split: call "
                f"fit(x, y, ids) with it before explain (the pipeline's stages do)"
            )

    def explain(self, x, targets=None, progress=False, ids=None):
        """Explain `targets` (default: the predicted classes) for inputs `x`; `ids` name the
        samples in errors."""
        self._check_fitted()
        x = np.asarray(x, dtype=np.float32)
        if targets is None:
            targets = self.predict(x).argmax(axis=1)
        targets = np.asarray(targets, dtype=np.int32)
        if targets.shape != (len(x),):
            raise ValueError(f"targets must have shape ({len(x)},), got {targets.shape}")
        maps, extras = [], {}
        starts = range(0, len(x), self.batch_size)
        for start in tqdm(starts, desc=self.name, unit="batch", disable=not progress, mininterval=5):
            stop = start + self.batch_size
            batch_maps, batch_extras = self.explain_batch(x[start:stop], targets[start:stop])
            maps.append(np.asarray(batch_maps, dtype=np.float32))
            for key, value in batch_extras.items():
                extras.setdefault(key, []).append(np.asarray(value))
        maps = np.concatenate(maps) if maps else np.zeros((0, *x.shape[1:-1]), np.float32)
        from vxai.methods.streaming import MaskedScores

        if not isinstance(getattr(self, "scores", None), MaskedScores):  # it counts its own
            passes.add(self.cost_kind, self.passes_per_map() * len(x))
        bad = np.flatnonzero(~np.isfinite(maps.reshape(len(maps), -1)).all(axis=1))
        if bad.size:
            names = [str(ids[i]) for i in bad[:10]] if ids is not None else bad[:10].tolist()
            raise UserError(
                f"method '{self.name}' produced NaN or infinite values for sample(s) {names}; "
                "check the method's parameters and the model"
            )
        return Attribution(maps, targets, {k: np.concatenate(v) for k, v in extras.items()})

    def explain_batch(self, x, targets):
        raise NotImplementedError


def target_gradients(forward, x, targets, score="logit"):
    """Run `forward(x) -> (features, logits)` under one tape; return the features, the
    targets' scores (logits, or softmax probabilities with score="probability") and the
    gradients of those scores with respect to the features (a tensor, a list of tensors, or
    x itself)."""
    import tensorflow as tf

    with tf.GradientTape() as tape:
        tape.watch(x)
        features, logits = forward(x)
        scores = tf.nn.softmax(logits) if score == "probability" else logits
        score = tf.gather(scores, targets, batch_dims=1)
    return features, score, tape.gradient(score, features)


def upsample(maps, size, method="bilinear"):
    """Resize (n, *spatial) maps to `size`: (bi)linear (a tensor), or "cubic": a cubic spline
    (scipy.ndimage.zoom, order 3, as the course code does; NumPy, values not clipped)."""
    import tensorflow as tf

    if method == "cubic":
        from scipy.ndimage import zoom

        maps = np.asarray(maps, dtype=np.float32)
        return np.stack([zoom(m, [s / d for s, d in zip(size, m.shape)], order=3)
                         for m in maps]).reshape(len(maps), *size)
    maps = tf.convert_to_tensor(maps, dtype=tf.float32)
    if len(size) == 1:
        return tf.image.resize(maps[:, :, None, None], (size[0], 1), method="bilinear")[:, :, 0, 0]
    return tf.image.resize(maps[..., None], size, method="bilinear")[..., 0]
