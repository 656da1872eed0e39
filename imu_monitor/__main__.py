"""Allow ``python -m imu_monitor``."""

from imu_monitor.cli.main import main

raise SystemExit(main())
