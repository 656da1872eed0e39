"""The core's sentences in the app's words.

Messages from the analysis name the setting to change as the command line spells it, in
brackets: "declare the mounting (--axes)". In the app, a live session's settings are chosen
on screen; a clinician told "--axes" would not know where to look. A saved or imported
recording is analysed with the settings stored with it: there the way to another drill or
mounting is the command line, and the message says how.
"""

from __future__ import annotations

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
