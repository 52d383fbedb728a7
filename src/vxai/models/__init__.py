"""Models: the two architectures, training, loading and graph surgery for explanations."""
