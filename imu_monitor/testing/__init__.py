"""Test doubles shared by the test suite and ``bench/``: a fake BlueZ with simulated sensors,
and sample times as a phone or a Bluetooth host stamps them (:mod:`.host_times`).

They live in the package (not under ``tests/``) so benchmarks import them like any module,
without path tricks. The app never imports this package; only :mod:`.fake_bluez` and the
dbusmock template import dbus-python and python-dbusmock (test extras), so they stay out of
the app's runtime dependencies. :mod:`.peripheral` (the simulated firmware) needs neither.
"""
