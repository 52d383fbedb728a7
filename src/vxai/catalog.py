"""Every attribution method: the module that implements it and its family (importable
without TensorFlow, so the workflow and the report can use it)."""

# name: (module under vxai.methods, family)
METHODS = {
    "gradcam": ("cam", "cam"),
    "gradcam_pp": ("cam", "cam"),
    "scorecam": ("cam", "cam"),
    "ablationcam": ("cam", "cam"),
    "saliency": ("gradients", "backprop"),
    "gradient_x_input": ("gradients", "backprop"),
    "integrated_gradients": ("gradients", "backprop"),
    "smoothgrad": ("gradients", "backprop"),
    "lrp": ("lrp", "backprop"),
    "rise": ("perturbation", "perturbation"),
    "sise": ("perturbation", "perturbation"),
    "occlusion": ("perturbation", "perturbation"),
    "lime": ("approximation", "approximation"),
    "kernelshap": ("approximation", "approximation"),
    "counterfactual": ("counterfactual", "counterfactual"),
    "random_map": ("baselines", "baseline"),
    "constant_map": ("baselines", "baseline"),
}
# the parameter that sets the number of forward passes of the budget-driven methods
BUDGET_PARAMETERS = {"rise": "masks", "lime": "samples", "kernelshap": "samples"}
METHOD_MODULES = {name: module for name, (module, _) in METHODS.items()}
METHOD_FAMILIES = {name: family for name, (_, family) in METHODS.items()}
FAMILY_TITLES = {
    "cam": "(a) CAM-based",
    "backprop": "(b) backpropagation-based",
    "perturbation": "(c) perturbation-based",
    "approximation": "(d) approximation-based",
    "counterfactual": "(e) counterfactual",
    "baseline": "baseline (no explanation: gives the scores a scale)",
}
