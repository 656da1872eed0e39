"""Simulated patient and sensor: the test and demo source, with ground truth."""
