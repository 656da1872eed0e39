"""APDM Opal recordings (Mobility Lab, Moveo Explorer): HDF5 files of several sensors.

Format 5 (current): ``/Sensors/<case id>/Accelerometer`` (n × 3, m/s²), ``Gyroscope`` (rad/s),
``Magnetometer`` (µT), ``Time`` (µs since 1970, UTC, the synchronised sensor clock) and
``Configuration`` whose attribute ``Label 0`` is where the sensor was worn (``Lumbar``,
``Sternum``, ``Left Foot``…) and ``Sample Rate`` its rate.
Formats 3–4 (older): root attributes ``CaseIdList`` and ``MonitorLabelList``, and
``/<case id>/Calibrated/Accelerometers``, ``Gyroscopes``, ``Magnetometers``, ``/<case id>/Time``,
``SampleRate`` on ``/<case id>``.

The sensor labelled as lumbar or sacrum is taken; ``--sensor`` names another (its label or
case id). Reading needs ``h5py`` (the optional extra ``apdm``).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np

from imu_monitor.errors import InputDataError
from imu_monitor.importers.assemble import SensorChoiceNeeded, VendorColumns
from imu_monitor.input_files import starts_with
from imu_monitor.recording.storage_words import storage_reason

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
SACRAL_LABELS = re.compile(r"lumbar|sacr|lower back|low back|pelvi|waist", re.IGNORECASE)


def is_hdf5(path: Path) -> bool:
    """The file starts with HDF5's signature."""
    return starts_with(path, HDF5_SIGNATURE)


def read_apdm(path: Path, sensor: str | None = None) -> VendorColumns:
    try:
        import h5py  # optional: only APDM users need it
    except ImportError:
        raise InputDataError("Reading APDM .h5 files needs the h5py package: install it with "
                             "pip install 'imu-monitor[apdm]'.") from None
    try:
        with h5py.File(path, "r") as f:
            sensors = _sensors(f)
            case, label = _choose(sensors, sensor, path)
            group = sensors[(case, label)]
            acc, gyr, mag, time_us = (None if group[n] is None else group[n][()]
                                      for n in ("acc", "gyr", "mag", "time"))
            rate = group["rate"]
            version = _text(f.attrs.get("FileFormatVersion", ""))
            config = _config(group)
    except OSError as exc:
        why = storage_reason(exc) if exc.errno else "it is damaged or truncated"
        raise InputDataError(f"{path} cannot be read as an HDF5 file: {why}.") from None
    if acc is None or gyr is None or time_us is None:
        raise InputDataError(f"The sensor '{label}' in {path} has no accelerometer, gyroscope "
                             "or time data.")
    time_us = np.asarray(time_us, dtype=np.int64)
    start = dt.datetime.fromtimestamp(int(time_us[0]) / 1e6, dt.UTC)
    vendor = {"serial": case, "label": label, "file_format_version": version,
              "sensors_in_file": [f"{lbl} ({cid})" for cid, lbl in sensors], "header": config}
    return VendorColumns(
        source=str(path), format="apdm-h5", acc=_rows(acc), gyr=_rows(gyr),
        acc_unit="m/s2", gyr_unit="rad/s", time_s=(time_us - time_us[0]) / 1e6,
        declared_rate_hz=float(np.asarray(rate).ravel()[0]) if rate is not None else None,
        mag=None if mag is None else _rows(mag), clock="sensor", vendor=vendor,
        start_utc=start.isoformat(timespec="seconds"))


def _sensors(f) -> dict[tuple[str, str], dict]:
    """(case id, label) → where its datasets are, for formats 5 and 3–4."""
    found: dict[tuple[str, str], dict] = {}
    if "Sensors" in f:
        for case, group in f["Sensors"].items():
            config = group.get("Configuration")
            label = _text(config.attrs.get("Label 0", "")) if config is not None else ""
            found[(case, label or case)] = {
                "acc": group.get("Accelerometer"), "gyr": group.get("Gyroscope"),
                "mag": group.get("Magnetometer"), "time": group.get("Time"),
                "rate": None if config is None else config.attrs.get("Sample Rate"),
                "config": config}
        return found
    cases = [_text(c)[:9] for c in f.attrs.get("CaseIdList", [])]
    labels = [_text(m) for m in f.attrs.get("MonitorLabelList", [])]
    for case, label in zip(cases, labels, strict=False):
        group = f.get(case)
        if group is None:
            continue
        calibrated = group.get("Calibrated", {})
        found[(case, label or case)] = {
            "acc": calibrated.get("Accelerometers"), "gyr": calibrated.get("Gyroscopes"),
            "mag": calibrated.get("Magnetometers"), "time": group.get("Time"),
            "rate": group.attrs.get("SampleRate"), "config": group}
    if not found:
        raise InputDataError("The HDF5 file holds no APDM sensor data (no /Sensors group and no "
                             "CaseIdList).")
    return found


def _choose(sensors: dict, wanted: str | None, path: Path) -> tuple[str, str]:
    listing = ", ".join(f"'{label}' ({case})" for case, label in sensors)
    if wanted is not None:
        for case, label in sensors:
            if wanted.strip().lower() in (case.lower(), label.lower()):
                return case, label
        raise InputDataError(f"{path} has no sensor '{wanted}'; it holds {listing}.")
    sacral = [key for key in sensors if SACRAL_LABELS.search(key[1])]
    if len(sacral) == 1:
        return sacral[0]
    if len(sensors) == 1:
        return next(iter(sensors))
    raise SensorChoiceNeeded(f"{path} holds the sensors {listing} and "
                             + ("several" if sacral else "none") + " of them is labelled as "
                             "lumbar or sacrum: say which one with --sensor LABEL.",
                             [label for _, label in sensors])


def _rows(values: np.ndarray) -> np.ndarray:
    """n × 3, whichever way round the file stores it."""
    values = np.asarray(values, dtype=float)
    return values.T if values.shape[0] == 3 and values.shape[1] != 3 else values


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    elif isinstance(value, np.ndarray) and value.size == 1:
        return _text(value.item())
    return str(value).strip("\x00 ").strip()


def _config(group: dict) -> dict:
    """The sensor's configuration attributes that are single values (for the record)."""
    config = group.get("config")
    if config is None:
        return {}
    out = {}
    for key, value in list(config.attrs.items())[:40]:
        if isinstance(value, bytes | str):
            out[str(key)] = _text(value)
        elif isinstance(value, np.generic):
            out[str(key)] = value.item()
        elif isinstance(value, int | float):
            out[str(key)] = value
    return out
