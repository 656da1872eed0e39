"""The ``imu-monitor`` command line: ``entry`` (the script), ``main`` (arguments), ``commands``
(what each does), ``live`` and ``report`` (terminal views), ``output`` and ``console``."""
