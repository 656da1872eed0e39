"""Recordings: one crash-safe SQLite file per session, written live and read back for review."""

from imu_monitor.recording.reader import Recording, is_recording, open_recording, read_header
from imu_monitor.recording.schema import EXTENSION
from imu_monitor.recording.writer import RecordingWriter

__all__ = ["EXTENSION", "Recording", "RecordingWriter", "is_recording", "open_recording",
           "read_header"]
