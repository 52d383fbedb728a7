"""Run a Captum attribution on a saved Keras model under the torch backend (own process).

Usage: python captum_reference.py MODEL.keras INPUTS.npy TARGETS.npy STEPS OUT_DIR METHOD...
writes OUT_DIR/METHOD.npy for each method.
"""

import os
import sys

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from captum.attr import InputXGradient, IntegratedGradients, Saliency  # noqa: E402


def attribute(forward, x, targets, method, steps):
    if method == "integrated_gradients":
        # Captum's n_steps counts points; the trapezoid over `steps` intervals needs steps + 1
        attr = IntegratedGradients(forward).attribute(
            x, target=targets, n_steps=int(steps) + 1, method="riemann_trapezoid",
            internal_batch_size=64)
        maps = attr.sum(dim=-1)
    elif method == "gradient_x_input":
        maps = InputXGradient(forward).attribute(x, target=targets).sum(dim=-1)
    elif method == "saliency":
        maps = Saliency(forward).attribute(x, target=targets, abs=True).amax(dim=-1)
    else:
        raise SystemExit(f"no Captum reference for {method}")
    return maps.detach().numpy().astype(np.float32)


def main(model_path, inputs_path, targets_path, steps, out_dir, *methods):
    model = keras.models.load_model(model_path, compile=False)
    model.layers[-1].activation = keras.activations.linear  # explain the class logit
    x = torch.tensor(np.load(inputs_path))
    targets = torch.tensor(np.load(targets_path)).long()
    for method in methods:
        maps = attribute(lambda inputs: model(inputs), x, targets, method, steps)
        np.save(os.path.join(out_dir, f"{method}.npy"), maps)


if __name__ == "__main__":
    main(*sys.argv[1:])
