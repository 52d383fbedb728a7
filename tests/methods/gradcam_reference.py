"""Run pytorch-grad-cam's FullGrad on a torch copy of a sequential Keras CNN (own process).

Usage: python gradcam_reference.py LAYERS.npz INPUTS.npy TARGETS.npy OUT.npy
LAYERS.npz holds `kinds` (per layer: conv, pool, gap or dense; convolutions 'same'-padded
with ReLU, pooling 2 x 2 max, the Dense layer's logits last) and `kernel{i}`/`bias{i}` for
the i-th conv or dense layer; INPUTS are (n, h, w, channels). OUT.npy gets the maps (n, h, w).

pytorch-grad-cam imports torchvision, whose PyPI build does not load with the project's CPU
torch; FullGrad uses none of it, so stand-in modules take its place for the import.
"""

import sys
import types

import numpy as np
import torch


def stand_in_torchvision():
    """Empty torchvision modules with the names pytorch-grad-cam imports."""
    names = ["torchvision", "torchvision.transforms", "torchvision.transforms.functional",
             "torchvision.ops"]
    for name in names:
        sys.modules[name] = types.ModuleType(name)
    transforms = sys.modules["torchvision.transforms"]
    transforms.Compose = transforms.Normalize = transforms.ToTensor = object
    sys.modules["torchvision.transforms.functional"].resize = None
    sys.modules["torchvision"].transforms = transforms
    sys.modules["torchvision"].ops = sys.modules["torchvision.ops"]


def conv(kernel, bias):
    layer = torch.nn.Conv2d(kernel.shape[2], kernel.shape[3], kernel.shape[0], padding="same")
    layer.weight.data = torch.tensor(kernel.transpose(3, 2, 0, 1))
    layer.bias.data = torch.tensor(bias)
    return layer


class GlobalAverage(torch.nn.Module):
    def forward(self, x):
        return x.mean(dim=(2, 3))


def torch_copy(layers):
    """The torch Sequential equal to the Keras layers described in LAYERS.npz."""
    modules, weighted = [], 0
    for kind in layers["kinds"]:
        if kind == "pool":
            modules.append(torch.nn.MaxPool2d(2))
        elif kind == "gap":
            modules.append(GlobalAverage())
        else:
            kernel, bias = layers[f"kernel{weighted}"], layers[f"bias{weighted}"]
            weighted += 1
            if kind == "conv":
                modules += [conv(kernel, bias), torch.nn.ReLU()]
            else:
                dense = torch.nn.Linear(*kernel.shape)
                dense.weight.data, dense.bias.data = torch.tensor(kernel.T), torch.tensor(bias)
                modules.append(dense)
    return torch.nn.Sequential(*modules).eval()


def main(layers, inputs, targets, output):
    stand_in_torchvision()
    from pytorch_grad_cam import FullGrad
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    model = torch_copy(np.load(layers))
    x = torch.tensor(np.load(inputs)).permute(0, 3, 1, 2)
    cam = FullGrad(model=model, target_layers=[])
    maps = cam(input_tensor=x, targets=[ClassifierOutputTarget(int(t)) for t in np.load(targets)])
    np.save(output, maps)


if __name__ == "__main__":
    main(*sys.argv[1:])
