"""Datasets: MNIST-1D generation, HMT extraction and download, model-ready inputs."""

# the names people read, for each dataset key of the config
TITLES = {"mnist1d": "MNIST-1D", "hmt": "HMT"}
