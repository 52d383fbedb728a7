"""Faithfulness metrics that score explanation maps against the model."""
