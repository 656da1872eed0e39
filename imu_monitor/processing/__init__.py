"""The numeric stages of the pipeline: orientation, calibration, angles, events, metrics."""
