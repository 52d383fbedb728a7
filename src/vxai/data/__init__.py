"""Datasets: MNIST-1D generation, HMT extraction and download, your own images and signals,
model-ready inputs."""

# the names people read, for each built-in dataset key of the config
TITLES = {"mnist1d": "MNIST-1D", "hmt": "HMT"}


def title(dataset):
    """The name people read for a dataset key: the built-ins' own, others as written."""
    return TITLES.get(dataset, dataset)


def dataset_order(dataset):
    """Sort key: the built-in datasets first, then the others by name."""
    return (list(TITLES).index(dataset), "") if dataset in TITLES else (len(TITLES), dataset)
