"""Run Captum attributions on a saved Keras model under the torch backend (own process).

Usage: python captum_reference.py MODEL.keras INPUTS.npy TARGETS.npy PARAMS.json OUT_DIR METHOD...
writes OUT_DIR/METHOD.npy for each method. PARAMS.json holds each method's settings; LIME
reads its feature masks and on/off patterns from .npy files named there, so that Captum
fits the same samples as vxai.
"""

import json
import os
import sys

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from captum._utils.models.linear_model import SkLearnRidge  # noqa: E402
from captum.attr import (  # noqa: E402
    InputXGradient, IntegratedGradients, KernelShap, Lime, Occlusion, Saliency)


def gradient_maps(forward, x, targets, method, params):
    if method == "integrated_gradients":
        # Captum's n_steps counts points; the trapezoid over `steps` intervals needs steps + 1
        attr = IntegratedGradients(forward).attribute(
            x, target=targets, n_steps=int(params["steps"]) + 1, method="riemann_trapezoid",
            internal_batch_size=64)
        return attr.sum(dim=-1)
    if method == "gradient_x_input":
        return InputXGradient(forward).attribute(x, target=targets).sum(dim=-1)
    return Saliency(forward).attribute(x, target=targets, abs=True).amax(dim=-1)


def lime_one(forward, x, target, mask, patterns, params):
    def patterns_in_order(original, **kwargs):
        for row in patterns:
            yield torch.tensor(row[None])

    def similarity(original, perturbed, interpretable, **kwargs):
        on = float(interpretable.sum())
        distance = 1.0 - np.sqrt(on / interpretable.shape[1])
        return float(np.exp(-(distance**2) / (2 * params["kernel_width"] ** 2)))

    lime = Lime(forward, interpretable_model=SkLearnRidge(alpha=params["alpha"]),
                similarity_func=similarity, perturb_func=patterns_in_order)
    return lime.attribute(x, target=target, feature_mask=mask, n_samples=len(patterns),
                          baselines=params["baseline"])


def perturbation_maps(forward, x, targets, method, params, folder):
    maps = []
    for i in range(len(x)):
        xi, ti = x[i : i + 1], int(targets[i])
        if method == "occlusion":
            window = (params["window"],) * (x.dim() - 2) + (x.shape[-1],)
            stride = (params["stride"],) * (x.dim() - 2) + (x.shape[-1],)
            attr = Occlusion(forward).attribute(xi, window, strides=stride, target=ti,
                                                baselines=params["baseline"])
        else:
            mask = torch.tensor(np.load(os.path.join(folder, f"{method}_mask{i}.npy")))[None, ..., None]
            if method == "lime":
                patterns = np.load(os.path.join(folder, f"lime_patterns{i}.npy")).astype(np.int64)
                attr = lime_one(forward, xi, ti, mask, patterns, params)
            else:
                attr = KernelShap(forward).attribute(
                    xi, target=ti, feature_mask=mask, baselines=params["baseline"],
                    n_samples=params["n_samples"], perturbations_per_eval=64)
        maps.append(attr[0, ..., 0])
    return torch.stack(maps)


def main(model_path, inputs_path, targets_path, params_path, out_dir, *methods):
    params = json.load(open(params_path))
    x = torch.tensor(np.load(inputs_path))
    targets = torch.tensor(np.load(targets_path)).long()
    torch.manual_seed(0)  # Captum's KernelShap draws its coalitions from torch's generator
    if os.environ.get("VXAI_TEST_THREADS"):  # the suite's thread setting, as in conftest.py
        torch.set_num_threads(int(os.environ["VXAI_TEST_THREADS"]))
    for method in methods:
        model = keras.models.load_model(model_path, compile=False)
        if method in ("integrated_gradients", "gradient_x_input", "saliency"):
            model.layers[-1].activation = keras.activations.linear  # explain the class logit
            maps = gradient_maps(lambda inputs: model(inputs), x, targets, method, params.get(method, {}))
        else:  # perturbations score the class probability
            maps = perturbation_maps(lambda inputs: model(inputs), x, targets, method,
                                     params[method], os.path.dirname(params_path))
        np.save(os.path.join(out_dir, f"{method}.npy"), maps.detach().numpy().astype(np.float32))


if __name__ == "__main__":
    main(*sys.argv[1:])
