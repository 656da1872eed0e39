"""Errors a clinician may see. Their message is a full sentence that says what to do next."""


class ImuMonitorError(Exception):
    """Any problem we explain to the user instead of showing a traceback."""


class InputDataError(ImuMonitorError):
    """The file or stream cannot be read as IMU data (wrong columns, impossible units...)."""


class CalibrationError(ImuMonitorError):
    """The data holds no usable standing still period or straight walk to calibrate on."""


class PresetContradicted(CalibrationError):
    """A mounting preset the walking contradicts, with the calibration that replaces it (the
    same standing, forward from the walking): ``replacement``."""

    def __init__(self, message: str, replacement: object) -> None:
        super().__init__(message)
        self.replacement = replacement


class AnalysisError(ImuMonitorError):
    """The data can be read but the asked-for analysis finds nothing to measure."""


class RecordingError(ImuMonitorError):
    """A recording cannot be written or read (damaged, foreign, full disk...)."""


class StorageError(RecordingError):
    """A file cannot be written where it was asked to be: a full disk, no permission, a
    folder that vanished (the command line's exit status 1, not 2: nothing was wrong with
    the request)."""


class LinkError(ImuMonitorError):
    """The Bluetooth link to a sensor cannot be made or kept."""


class BluetoothOffError(LinkError):
    """The computer's Bluetooth is switched off or missing."""


class NoSensorFoundError(LinkError):
    """No sensor of a known family (or not the one asked for) is advertising nearby."""


class SensorUnreachableError(LinkError):
    """The sensor was found but the connection or its set-up did not complete in time."""
