"""Which module implements each registered method (importable without TensorFlow, so the
workflow can list each method's code as a rule input)."""

METHOD_MODULES = {
    "gradcam": "cam",
}
