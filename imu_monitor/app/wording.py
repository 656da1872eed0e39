"""The core's sentences in the app's words.

Messages from the analysis name the setting to change as the command line spells it, in
brackets: "declare the mounting (--axes)". In the app the same choice is made on screen; a
clinician told "--axes" would not know where to look.
"""

from __future__ import annotations

# "(--option)" → where the same choice is made in the app.
ON_SCREEN = {
    "(--axes)": "(the mounting preset beside Calibrate)",
    "(--drill)": "(the Drill list on the Live screen)",
}


def in_app_words(message: str) -> str:
    """``message`` with each command-line setting named as the app shows it."""
    for option, place in ON_SCREEN.items():
        message = message.replace(option, place)
    return message
