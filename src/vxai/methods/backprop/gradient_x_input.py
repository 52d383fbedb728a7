"""Gradient x Input (Shrikumar et al. 2016)."""

from vxai.methods.backprop.base import GradientExplainer
from vxai.methods.registry import register


@register(
    "gradient_x_input",
    family="backprop",
    display="Gradient x Input",
    gap=(
        "Gradients alone ignore the input's own magnitude; multiplying by it gives a first-"
        "order contribution."
    ),
    how="Input times the gradient of the class logit, summed over channels.",
    reference="shrikumar2016gradinput",
)
class GradientXInput(GradientExplainer):
    """Gradient x Input (Shrikumar et al. 2016): sum over channels of x * dS_c/dx."""

    def explain_batch(self, x, targets):
        return (x * self.gradients(x, targets)[0]).sum(axis=-1), {}
