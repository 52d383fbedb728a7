"""Forward passes over many perturbed copies of one input, streamed in fixed-size batches so
that memory does not grow with the number of perturbations."""

import numpy as np
import tensorflow as tf

from vxai import passes
from vxai.models.loading import compiled_forward


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
        self._weighted = tf.function(self._compute_weighted, reduce_retracing=True)
        self._rows = tf.function(self._compute_rows, reduce_retracing=True)
        self._outputs = compiled_forward(self.model)

    def _count(self, n):
        self.passes += n
        passes.add("forward", n)

    def _compute(self, x, masks, baseline, target):
        masks = tf.expand_dims(masks, -1)
        outputs = self.model(x[None] * masks + baseline * (1.0 - masks), training=False)
        return outputs[:, target]

    def _compute_weighted(self, x, masks, weights, baseline, target):
        scores = self._compute(x, masks, baseline, target)
        return tf.tensordot(scores, weights, axes=1), scores

    def weighted_sum(self, x, target, masks, weights, baseline=0.0):
        """(sum_i score_i * weights_i, the scores (k,)) for one batch (at most `batch_size`)
        of masks, with the masks and weights as tensors (k, *spatial): nothing but the sum
        and the k scores leaves the compiled function."""
        self._count(int(masks.shape[0]))
        return self._weighted(tf.constant(x, tf.float32), masks, weights,
                              tf.constant(baseline, tf.float32), tf.constant(target, tf.int32))

    def _compute_rows(self, xs, masks, baseline, targets):
        masks = tf.expand_dims(masks, -1)
        outputs = self.model(xs * masks + baseline * (1.0 - masks), training=False)
        return tf.gather(outputs, targets, batch_dims=1)

    def rows(self, x, targets, masks_of, baseline=0.0):
        """Scores for different masks per input: `masks_of(i)` gives input i's masks
        (k_i, *spatial), made when the stream reaches it; (input, mask) rows of consecutive
        inputs share batches of `batch_size`. Yields (i, scores of input i) in order, as soon
        as each input is complete, so only one input's masks need to be kept."""
        baseline = tf.constant(baseline, tf.float32)
        pending, scores = [], {}

        def flush():
            index = np.array([i for i, _ in pending])
            out = self._rows(tf.constant(x[index], tf.float32),
                             tf.constant(np.stack([m for _, m in pending]), tf.float32),
                             baseline, tf.constant(np.asarray(targets)[index], tf.int32)).numpy()
            for i, value in zip(index, out):
                scores[int(i)].append(value)
            self._count(len(pending))
            pending.clear()

        for i in range(len(x)):
            scores[i] = []
            for mask in masks_of(i):
                pending.append((i, mask))
                if len(pending) == self.batch_size:
                    flush()
            first_pending = pending[0][0] if pending else i + 1  # inputs before it are complete
            yield from ((j, np.array(scores.pop(j), np.float32))
                        for j in sorted(scores) if j < first_pending)
        if pending:
            flush()
        yield from ((j, np.array(scores.pop(j), np.float32)) for j in sorted(scores))

    def unmasked(self, x, targets):
        """Outputs for the explained classes of whole inputs (n, *spatial, channels)."""
        self._count(len(x))
        outputs = self._outputs(tf.constant(x, tf.float32)).numpy()
        return outputs[np.arange(len(x)), targets]

    def __call__(self, x, target, masks, baseline=0.0):
        """Scores (k,) of one input `x` (*spatial, channels) for masks (k, *spatial)."""
        x = tf.constant(x, tf.float32)
        baseline, target = tf.constant(baseline, tf.float32), tf.constant(target, tf.int32)
        scores = []
        for start in range(0, len(masks), self.batch_size):
            chunk = np.asarray(masks[start : start + self.batch_size], dtype=np.float32)
            scores.append(self._scores(x, tf.constant(chunk), baseline, target).numpy())
            self._count(len(chunk))
        return np.concatenate(scores) if scores else np.zeros(0, np.float32)
