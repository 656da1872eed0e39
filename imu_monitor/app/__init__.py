"""The desktop app (PySide6 + pyqtgraph): connect, calibrate, live session, review.

``engine`` is the Qt-free live session (source → pipeline → recorder on a worker thread); the
widgets only poll it from a frame timer and never touch the sensor or files themselves.
"""
