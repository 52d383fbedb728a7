"""Which configured methods a model can serve (`skip_unsupported`): each method's explainer
is built for the model, and the ones that stop (CAM without a linear head, SISE without
pooling layers, ...) are left out with the reason."""

from vxai.errors import UserError
from vxai.io import save_json
from vxai.methods import get_method
from vxai.models.loading import load_model


def unsupported_methods(model_file, methods):
    """{method: the message it stopped with} of `methods` ({name: parameters}) whose
    explainer cannot be built for the model in `model_file`."""
    model = load_model(model_file)
    found = {}
    for name, params in methods.items():
        try:
            get_method(name)(model, **(params or {}))
        except UserError as err:
            found[name] = str(err)
    return found


def supported_methods(model_file, methods, *, dataset, output):
    """Write {"kept": [...], "left_out": {method: reason}} of `methods` for the model in
    `model_file` to the JSON file `output`, each method left out named in the log; raises
    UserError when the model serves none of them."""
    left_out = unsupported_methods(model_file, methods)
    for method, reason in left_out.items():
        print(f"{dataset}: {method} left out (skip_unsupported): {reason}")
    kept = [method for method in methods if method not in left_out]
    if not kept:
        raise UserError(f"{dataset}: the model {model_file} serves none of the configured "
                        f"methods: {'; '.join(left_out.values())}")
    save_json(output, {"kept": kept, "left_out": left_out})
