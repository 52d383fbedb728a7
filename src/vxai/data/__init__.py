"""Datasets: MNIST-1D generation, HMT extraction and download, model-ready inputs."""
