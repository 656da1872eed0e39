"""What the measurement can and cannot do, in one sentence for people (report and About).

The figures are the ones measured on real data (docs/accuracy.md); change them only with a new
measurement.
"""

KNOWN_LIMITS = (
    "Known limits: one sensor on the sacrum sees the pelvis only; its tilt is known to about "
    "half a degree (0.44° on real motion with optical truth for recordings, 0.59° for the live "
    "view), each step's foot is right about 97 times in 100 on real walks, and steps in turns, "
    "at the start or end of a walk or with lost data are shown but left out of the numbers."
)
