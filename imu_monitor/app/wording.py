"""The core's sentences in the app's words.

Messages from the analysis name the setting to change as the command line spells it, in
brackets: "declare the mounting (--axes)". In the app, a live session's settings are chosen
on screen; a clinician told "--axes" would not know where to look. A saved or imported
recording is analysed with the settings stored with it: there the way to another drill or
mounting is the command line, and the message says how.
"""

from __future__ import annotations

import re

# "(--option)" → where the same choice is made for a live session ...
ON_SCREEN = {
    "(--axes)": "(the mounting preset beside Calibrate)",
    "(--drill)": "(the Drill list on the Live screen)",
}
# ... and for a recording already saved.
FOR_A_SAVED_RECORDING = {
    "(--axes)": "(it is analysed as it was recorded: for another mounting, analyse it again "
                "with `imu-monitor analyze FILE --axes …`)",
    "(--drill)": "(it is analysed as it was recorded: for another drill, analyse it again with "
                 "`imu-monitor analyze FILE --drill …`)",
}


def in_app_words(message: str, saved: bool = False) -> str:
    """``message`` with each command-line setting named as the app offers it: on screen for
    the live session, or (``saved``) how to analyse a saved recording otherwise."""
    for option, place in (FOR_A_SAVED_RECORDING if saved else ON_SCREEN).items():
        message = message.replace(option, place)
    return message


# An import refused for a unit the data cannot fit names the command line's option; in the
# app the unit is chosen when the file is imported again.
_READ_AGAIN = re.compile(r"Read the file again with --(acc|gyr)-unit (\S+?)\.")
_SENSOR = {"acc": "accelerometer", "gyr": "gyroscope"}


def import_words(message: str) -> str:
    """An import's refusal in the app's words (File → Import asks the units)."""
    return _READ_AGAIN.sub(lambda m: f"Import it again and choose {m.group(2)} for the "
                           f"{_SENSOR[m.group(1)]}.", message)
