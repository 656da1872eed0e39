"""The ``imu-monitor`` command line."""
