"""DeDUCE (Höltgen et al. 2021): small steps on the input toward another class under a
Gaussian density of the penultimate features."""

import numpy as np
import tensorflow as tf
import keras

from vxai.errors import UserError
from vxai.methods.base import Explainer
from vxai.methods.counterfactual.base import most_likely_other
from vxai.methods.registry import register
from vxai.models.graph import logits_tensor
from vxai.models.loading import compiled_forward


def penultimate_features(model):
    """The symbolic input of the Dense layer that makes the logits."""
    last = model.layers[-1]
    if isinstance(last, (keras.layers.Activation, keras.layers.Softmax)):
        last = model.layers[-2]
    if not isinstance(last, keras.layers.Dense):
        raise UserError(f"deduce: model '{model.name}' does not end in a Dense layer "
                        f"('{last.name}' is {type(last).__name__}); it needs the Dense "
                        "layer's input as the penultimate features")
    return last.input


@register(
    "deduce",
    family="counterfactual",
    display="DeDUCE",
    gap=(
        "Changes as few input values as possible and keeps the result where the training "
        "data's features lie, so the counterfactual stays a plausible input."
    ),
    how=(
        "Moves the few input values with the largest gradient towards the most likely other "
        "class, a step at a time, the gradient including a class-conditional Gaussian "
        "density of the penultimate features fitted on the training split, until the model "
        "gives that class the configured probability; the map is how much each value moved."
    ),
    reference="hoeltgen2021deduce",
    diagnostics={
        "counterfactual_success": [
            "counterfactual success",
            "share",
            "share of samples that reached the configured confidence",
        ],
        "edit_size": [
            "edit size",
            "count",
            "mean number of changed input values",
        ],
    },
)
class DeDUCE(Explainer):
    """DeDUCE-style counterfactuals (Hoeltgen et al. 2021). `fit` fits one Gaussian per
    class (scikit-learn GaussianMixture with one component, full covariance plus
    `reg_covar`) to the penultimate-layer features of at most `fit_samples` training
    samples. For the counterfactual class t (the most likely class other than the explained
    one), each step moves the `fraction` of input values (at least one) with the largest
    |gradient| of log p(t | x) + density_weight * log N(features(x); mu_t, Sigma_t) / dims by
    `step_size` in the gradient's sign (clipped to `value_range`), until p(t | x) >=
    `confidence` and t is predicted, or for at most `max_steps` steps. Map: |x' - x| summed
    over channels. Extras: t, success, the number of changed input values (edit_size), and
    the log-density of the features under the fitted class mixture before and after."""

    fit_split = "train"
    parameter_schema = {
        "confidence": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        "fraction": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        "step_size": {"type": "number", "exclusiveMinimum": 0},
        "density_weight": {"type": "number", "minimum": 0},
        "reg_covar": {"type": "number", "exclusiveMinimum": 0},
        "fit_samples": {"type": ["integer", "null"], "minimum": 2},
        "value_range": {"type": ["array", "null"], "items": {"type": "number"}, "minItems": 2,
                        "maxItems": 2},
    }

    def __init__(self, model, confidence=0.5, fraction=0.01, step_size=0.1, max_steps=100,
                 density_weight=10.0, reg_covar=0.1, fit_samples=1000, value_range=None,
                 **kwargs):
        super().__init__(model, **kwargs)
        self.confidence, self.fraction = float(confidence), float(fraction)
        self.step_size, self.max_steps = float(step_size), int(max_steps)
        self.density_weight, self.reg_covar = float(density_weight), float(reg_covar)
        self.fit_samples = None if fit_samples is None else int(fit_samples)
        self.value_range = tuple(value_range) if value_range is not None else None
        features = keras.layers.Flatten(name="deduce_features")(penultimate_features(self.model))
        self.graph = keras.Model(self.model.input, [features, logits_tensor(self.model)])
        self._features = compiled_forward(lambda x, training: self.graph(x, training=training)[0])
        self._step = tf.function(self._gradient, reduce_retracing=True)

    def passes_per_map(self):
        return self.max_steps

    def features(self, x):
        """Penultimate features (n, dims), float64, `batch_size` inputs at a time."""
        return np.concatenate([self._features(tf.constant(x[s : s + self.batch_size])).numpy()
                               for s in range(0, len(x), self.batch_size)]).astype(np.float64)

    def fit(self, x, y, ids):
        """Fit the class-conditional Gaussians to the penultimate features of `x`."""
        from sklearn.mixture import GaussianMixture

        features = self.features(x)
        classes = self.model.output_shape[-1]
        self.gaussians = []
        for c in range(classes):
            members = features[y == c]
            if len(members) < 2:
                raise UserError(f"deduce: the training split has {len(members)} sample(s) of "
                                f"class {c}; a class density needs at least 2")
            self.gaussians.append(GaussianMixture(1, covariance_type="full", reg_covar=self.reg_covar,
                                                  random_state=0).fit(members))
        self.log_prior = np.log(np.bincount(y, minlength=classes) / len(y))
        self.means = tf.constant(np.stack([g.means_[0] for g in self.gaussians]), tf.float32)
        self.cholesky = tf.constant(np.stack([g.precisions_cholesky_[0] for g in self.gaussians]),
                                    tf.float32)
        self.log_norm = tf.constant([np.log(np.diag(g.precisions_cholesky_[0])).sum()
                                     - 0.5 * features.shape[1] * np.log(2 * np.pi)
                                     for g in self.gaussians], tf.float32)
        super().fit(x, y, ids)

    def class_log_density(self, features, classes):
        """log N(features; mu_c, Sigma_c) for each row's class c: the rows of each class
        times that class's Cholesky factor (gathering a factor per row would copy n x d x d)."""
        centred = features - tf.gather(self.means, classes)
        n_classes = len(self.gaussians)
        rows = tf.dynamic_partition(tf.range(tf.shape(centred)[0]), classes, n_classes)
        parts = tf.dynamic_partition(centred, classes, n_classes)
        projected = tf.dynamic_stitch(rows, [part @ self.cholesky[c] for c, part in enumerate(parts)])
        return tf.gather(self.log_norm, classes) - 0.5 * tf.reduce_sum(projected**2, axis=1)

    def log_density(self, x):
        """log of the class mixture's density (priors from the fitted labels) at x's features."""
        features = self.features(x)
        per_class = np.stack([g.score_samples(features) for g in self.gaussians], 1)
        return np.logaddexp.reduce(per_class + self.log_prior, axis=1)

    def _gradient(self, x, classes):
        with tf.GradientTape() as tape:
            tape.watch(x)
            features, logits = self.graph(x, training=False)
            log_p = tf.gather(tf.nn.log_softmax(logits), classes, batch_dims=1)
            density = self.class_log_density(features, classes) / features.shape[-1]
            objective = tf.reduce_sum(log_p + self.density_weight * density)
        return tape.gradient(objective, x), tf.exp(log_p), tf.argmax(logits, axis=1,
                                                                        output_type=tf.int32)

    def search(self, x, classes):
        """(counterfactual inputs, success) for a batch and its counterfactual classes."""
        current = x.copy()
        flat = current.reshape(len(x), -1)
        k = max(1, round(self.fraction * flat.shape[1]))
        done = np.zeros(len(x), bool)
        for _ in range(self.max_steps + 1):
            grad, p, predicted = self._step(tf.constant(current), tf.constant(classes))
            done |= (p.numpy() >= self.confidence) & (predicted.numpy() == classes)
            if done.all():
                break
            grad = grad.numpy().reshape(len(x), -1)
            picked = np.argpartition(-np.abs(grad), k - 1, axis=1)[:, :k]  # the k largest
            moves = self.step_size * np.sign(np.take_along_axis(grad, picked, axis=1))
            moves[done] = 0.0
            np.put_along_axis(flat, picked, np.take_along_axis(flat, picked, axis=1) + moves, axis=1)
            if self.value_range is not None:
                np.clip(flat, *self.value_range, out=flat)
        return current, done

    def explain_batch(self, x, targets):
        classes = most_likely_other(self.predict(x), targets)
        current, done = self.search(x, classes)
        change = current - x
        return np.abs(change).sum(axis=-1), {
            "counterfactual_class": classes, "counterfactual_success": done,
            "edit_size": (change.reshape(len(x), -1) != 0).sum(axis=1),
            "log_density_original": self.log_density(x),
            "log_density_counterfactual": self.log_density(current)}
