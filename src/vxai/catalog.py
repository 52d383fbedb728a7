"""Which module implements each registered method (importable without TensorFlow, so the
workflow can list each method's code as a rule input)."""

METHOD_MODULES = {
    "gradcam": "cam",
    "gradcam_pp": "cam",
    "scorecam": "cam",
    "ablationcam": "cam",
    "saliency": "gradients",
    "gradient_x_input": "gradients",
    "integrated_gradients": "gradients",
    "smoothgrad": "gradients",
    "lrp": "lrp",
}
