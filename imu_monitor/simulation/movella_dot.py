"""What a Movella DOT would send during a simulated session: its notifications, byte-exact.

For tests and for a simulated DOT peripheral. The DOT's own fusion is modelled as the true
sensor orientation (the bone's, with the soft tissue's rocking) in an East-North-Up frame
whose heading differs from the simulator's world (the DOT finds north with its magnetometer),
plus a small white orientation noise; its free acceleration is the simulated accelerometer
reading (with its noise and offset) rotated into that frame, gravity removed.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from imu_monitor.conventions import GRAVITY_MPS2
from imu_monitor.protocols import movella_dot as dot
from imu_monitor.rotations import rot_z, rotation_vector_to_matrix
from imu_monitor.simulation.sensor_model import SimulatedRecording


def dot_notifications(recording: SimulatedRecording,
                      mode: int = dot.PayloadMode.COMPLETE_QUATERNION,
                      heading_deg: float = 37.0, noise_deg: float = 0.02,
                      start_us: int = 1_000_000, seed: int = 0) -> list[bytes]:
    """One notification per sample of ``recording`` (simulate it at a DOT output rate)."""
    if recording.rate_hz not in dot.OUTPUT_RATES_HZ:
        raise ValueError(f"simulate at a DOT output rate {dot.OUTPUT_RATES_HZ}")
    truth, samples = recording.truth, recording.samples
    rng = np.random.default_rng(seed)
    world_from_sensor = truth.world_from_sensor()
    noise = rotation_vector_to_matrix(np.radians(rng.normal(0, noise_deg, (len(samples), 3))))
    enu_from_sensor = noise @ rot_z(np.radians(heading_deg)) @ world_from_sensor
    quat = Rotation.from_matrix(enu_from_sensor).as_quat()[:, [3, 0, 1, 2]]
    free_acc = np.einsum("nij,nj->ni", enu_from_sensor, samples.acc) - [0, 0, GRAVITY_MPS2]
    time_us = start_us + np.round(np.arange(len(samples)) * 1e6 / recording.rate_hz)
    fields = {
        dot.PayloadMode.COMPLETE_QUATERNION: (quat, free_acc),
        dot.PayloadMode.ORIENTATION_QUATERNION: (quat,),
        dot.PayloadMode.COMPLETE_EULER: (dot.euler_deg_from_quat(quat), free_acc),
        dot.PayloadMode.RATE_QUANTITIES: (samples.acc, np.degrees(samples.gyr)),
    }[dot.PayloadMode(mode)]
    return [dot.encode(mode, int(t), *(f[k] for f in fields)) for k, t in enumerate(time_us)]
