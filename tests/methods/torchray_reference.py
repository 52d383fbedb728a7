"""Run TorchRay's extremal_perturbation on a saved Keras model under the torch backend (own
process: TorchRay needs torch).

Usage: python torchray_reference.py MODEL.keras INPUTS.npy TARGETS.npy PARAMS.json OUT.npy
INPUTS are (n, h, w, channels) images; PARAMS.json holds extremal_perturbation's keyword
arguments (areas, max_iter, step, sigma); OUT.npy gets the masks (n, areas, h, w).
"""

import json
import os
import sys

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from torchray.attribution.extremal_perturbation import extremal_perturbation  # noqa: E402

from vxai.models.graph import logits_tensor  # noqa: E402


class Logits(torch.nn.Module):
    """The Keras model's logits, taking TorchRay's N x C x H x W tensors."""

    def __init__(self, model):
        super().__init__()
        self.model = keras.Model(model.input, logits_tensor(model))

    def forward(self, x):
        return self.model(x.permute(0, 2, 3, 1), training=False)


def main(model_path, inputs, targets, params, output):
    torch.manual_seed(0)
    model = Logits(keras.models.load_model(model_path, compile=False))
    x = torch.tensor(np.load(inputs)).permute(0, 3, 1, 2)
    settings = json.loads(open(params).read())
    masks = [extremal_perturbation(model, x[i : i + 1], int(t), jitter=False, **settings)[0]
             .detach().numpy()[:, 0] for i, t in enumerate(np.load(targets))]
    np.save(output, np.stack(masks))


if __name__ == "__main__":
    main(*sys.argv[1:])
