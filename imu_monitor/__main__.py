"""Allow ``python -m imu_monitor``."""

from imu_monitor.cli.entry import run

run()
