"""Allow ``python -m imu_monitor``."""

from imu_monitor.cli import run

run()
