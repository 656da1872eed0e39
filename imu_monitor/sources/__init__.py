"""Sources of samples: simulated sensor, CSV files (and, later, recordings and BLE sensors).

Every source yields the same :class:`~imu_monitor.samples.SampleBatch` packets and
:class:`~imu_monitor.samples.StatusEvent` events; the pipeline does not know which it has.
"""
