"""Forward passes over many perturbed copies of one input, streamed in fixed-size batches so
that memory does not grow with the number of perturbations."""

import numpy as np
import tensorflow as tf


class MaskedScores:
    """Outputs for one class of `x * mask + baseline * (1 - mask)` for a stack of masks,
    evaluated `batch_size` masks at a time inside one compiled function. The model's own
    outputs are used (class probabilities for the project models). `passes` counts the
    forward passes made, for the benchmarks."""

    def __init__(self, model, batch_size):
        self.model = model
        self.batch_size = int(batch_size)
        self.passes = 0
        self._scores = tf.function(self._compute, reduce_retracing=True)

    def _compute(self, x, masks, baseline, target):
        masks = tf.expand_dims(masks, -1)
        outputs = self.model(x[None] * masks + baseline * (1.0 - masks), training=False)
        return outputs[:, target]

    def __call__(self, x, target, masks, baseline=0.0):
        """Scores (k,) of one input `x` (*spatial, channels) for masks (k, *spatial)."""
        x = tf.constant(x, tf.float32)
        baseline, target = tf.constant(baseline, tf.float32), tf.constant(target, tf.int32)
        scores = []
        for start in range(0, len(masks), self.batch_size):
            chunk = np.asarray(masks[start : start + self.batch_size], dtype=np.float32)
            scores.append(self._scores(x, tf.constant(chunk), baseline, target).numpy())
            self.passes += len(chunk)
        return np.concatenate(scores) if scores else np.zeros(0, np.float32)
