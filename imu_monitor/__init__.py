"""imu_monitor: pelvic drop from a sacral IMU, live and from recordings.

Frames and signs are defined once, in :mod:`imu_monitor.conventions`.
"""

__version__ = "0.1.0"
