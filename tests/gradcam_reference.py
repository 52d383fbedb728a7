"""Run pytorch-grad-cam's FullGrad on a torch copy of a small Keras CNN (own process).

Usage: python gradcam_reference.py WEIGHTS.npz INPUTS.npy TARGETS.npy OUT.npy
WEIGHTS.npz holds the Keras model's conv0/conv1 kernels and biases and the head's, for the
architecture conv(3x3, same) - ReLU - max-pool 2 - conv(3x3, same) - ReLU - global average
pool - Dense (logits); INPUTS are (n, h, w, channels). OUT.npy gets the maps (n, h, w).

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


def main(weights, inputs, targets, output):
    stand_in_torchvision()
    from pytorch_grad_cam import FullGrad
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    w = np.load(weights)
    head = torch.nn.Linear(*w["head_kernel"].shape)
    head.weight.data, head.bias.data = torch.tensor(w["head_kernel"].T), torch.tensor(w["head_bias"])
    model = torch.nn.Sequential(conv(w["conv0_kernel"], w["conv0_bias"]), torch.nn.ReLU(),
                                torch.nn.MaxPool2d(2), conv(w["conv1_kernel"], w["conv1_bias"]),
                                torch.nn.ReLU(), GlobalAverage(), head).eval()
    x = torch.tensor(np.load(inputs)).permute(0, 3, 1, 2)
    cam = FullGrad(model=model, target_layers=[])
    maps = cam(input_tensor=x, targets=[ClassifierOutputTarget(int(t)) for t in np.load(targets)])
    np.save(output, maps)


if __name__ == "__main__":
    main(*sys.argv[1:])
