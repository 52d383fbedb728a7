"""Which configured methods a model can serve: each method's explainer is built for the
model, and the ones that stop (CAM without a linear head, SISE without pooling layers, ...)
are named with the reason."""

from vxai.errors import UserError


def unsupported_methods(model_file, methods):
    """{method: the message it stopped with} of `methods` ({name: parameters}) whose
    explainer cannot be built for the model in `model_file`."""
    from vxai.methods import get_method
    from vxai.models.loading import load_model

    model = load_model(model_file)
    found = {}
    for name, params in methods.items():
        try:
            get_method(name)(model, **(params or {}))
        except UserError as err:
            found[name] = str(err)
    return found
