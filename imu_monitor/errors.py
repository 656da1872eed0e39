"""Errors a clinician may see. Their message is a full sentence that says what to do next."""


class ImuMonitorError(Exception):
    """Any problem we explain to the user instead of showing a traceback."""


class InputDataError(ImuMonitorError):
    """The file or stream cannot be read as IMU data (wrong columns, impossible units...)."""


class CalibrationError(ImuMonitorError):
    """The data holds no usable standing still period or straight walk to calibrate on."""


class AnalysisError(ImuMonitorError):
    """The data can be read but the asked-for analysis finds nothing to measure."""


class RecordingError(ImuMonitorError):
    """A recording cannot be written or read (damaged, foreign, full disk...)."""
