"""CAM (Zhou et al. 2016): the class's weights of a linear head over the last spatial layer."""

import tensorflow as tf

from vxai.methods.base import target_gradients
from vxai.methods.cam.base import CAMExplainer
from vxai.methods.registry import register
from vxai.models.graph import check_linear_head


@register(
    "cam",
    family="cam",
    display="CAM",
    gap=(
        "The first class activation map: which positions of the last feature maps the "
        "class score is made of, exactly, for networks whose head is linear."
    ),
    how=(
        "The class logit is linear in the target layer's activations (global average "
        "pooling or flattening, then Dense), so it splits over positions: each position "
        "gets the sum over channels of its activations times their weights for the class."
    ),
    reference="zhou2016cam",
)
class CAM(CAMExplainer):
    """CAM (Zhou et al. 2016) for any linear head after the target layer: a GAP -> Dense
    head gives sum_k w_kc A_k / positions, a Flatten -> Dense head sum_k W[(t,k),c] A[t,k].
    Both are sum_k A[t,k] dS_c/dA[t,k], which this computes; no ReLU, so before upsampling
    the map sums to the logit minus its value at zero activations (the bias)."""

    def __init__(self, model, layer=None, **kwargs):
        super().__init__(model, layer, **kwargs)
        check_linear_head(self.model, self.layer, "cam")

    def _compute(self, x, targets):
        activations, _, grads = target_gradients(
            lambda batch: self.graph(batch, training=False), x, targets)
        return tf.reduce_sum(grads * activations, axis=-1)
