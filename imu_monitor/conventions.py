"""The sign conventions of the whole product, written down once.

* All frames are right-handed.
* World frame: z up; heading is arbitrary (no magnetometer), so nothing we report may depend
  on it except pelvic rotation, which is taken relative to the direction of progression.
* Pelvis frame: x forward, y left, z up, defined by the standing calibration so that neutral
  standing is (0, 0, 0).
* Pelvic angles follow Baker (2001): the world-from-pelvis rotation is
  ``Rz(rotation) @ Rx(obliquity) @ Ry(tilt)`` (rotation about the vertical first, then obliquity
  about the rotated forward axis, then tilt about the twice rotated left axis).

  - obliquity > 0: left hip up (right hip down);
  - tilt > 0: anterior tilt (front of the pelvis down);
  - rotation > 0: pelvis turned to the left (right hip forward).

* Pelvic **drop** is reported as a positive number of degrees below neutral on the side
  opposite the stance leg: during right stance ``drop = -obliquity`` (left hip down), during
  left stance ``drop = +obliquity`` (right hip down). A negative drop is a hip hike.
* Accelerometer values are specific force in m/s² (at rest the sensor reads +9.81 along up);
  gyroscope values are rad/s; time is in seconds.
"""

from typing import Literal

GRAVITY_MPS2 = 9.80665

Side = Literal["left", "right"]
SIDES: tuple[Side, Side] = ("left", "right")


def drop_from_obliquity(obliquity_deg, stance: Side):
    """Contralateral pelvic drop (positive = swing-side hip below neutral) during ``stance``."""
    return -obliquity_deg if stance == "right" else obliquity_deg
