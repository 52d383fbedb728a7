"""vxai: train, evaluate and explain CNNs on MNIST-1D signals and HMT histology tiles."""

__version__ = "0.1.0"
