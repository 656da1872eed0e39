"""The database's and the file system's error texts, in words a clinician can act on.

SQLite says "attempt to write a readonly database" or "disk I/O error"; the person at the
computer needs to know whether to free space, pick another folder or close another program.
The original text goes to the log for whoever fixes the fault.
"""

from __future__ import annotations

import errno
import logging

log = logging.getLogger(__name__)

# (a fragment of the lower-cased error text, what to tell the person), first match wins.
_REASONS = (
    ("full", "the disk is full: free some space"),
    ("readonly", "the file or its folder cannot be written (read-only): choose a folder you "
                 "can write to"),
    ("read-only", "the file or its folder cannot be written (read-only): choose a folder you "
                  "can write to"),
    ("permission", "this account may not write there: choose a folder you can write to"),
    ("locked", "another program is using the file right now: close it, or try again later"),
    ("busy", "another program is using the file right now: close it, or try again later"),
    ("unable to open", "the file cannot be opened there: check that the folder exists and "
                       "can be written"),
    ("no such file", "the folder does not exist (an unplugged drive?)"),
    ("i/o error", "the disk reported an error (a failing or unplugged drive?)"),
    ("malformed", "the file is damaged"),
    ("not a database", "the file is not a recording or is damaged"),
)


def storage_reason(exc: BaseException) -> str:
    """Why a recording could not be created, written or read, in plain words (the raw text
    is logged)."""
    text = (getattr(exc, "strerror", None) or str(exc)).lower()
    log.warning("storage error: %s", exc)
    for fragment, words in _REASONS:
        if fragment in text:
            return words
    return "the disk or the file system refused it"


# The file system's refusals by their code (the system's own text, such as "Operation not
# permitted", says nothing a clinician can act on); other errors keep their text, which may
# be ours ("the report could not be written whole").
_BY_CODE = {
    errno.EACCES: "this account may not write there: choose a folder you can write to",
    errno.EPERM: "this account may not write there: choose a folder you can write to",
    errno.EROFS: "the file or its folder cannot be written (read-only): choose a folder you "
                 "can write to",
    errno.ENOSPC: "the disk is full: free some space",
    errno.ENOENT: "the folder does not exist (an unplugged drive?)",
}


def file_reason(exc: OSError) -> str:
    """Why a file could not be written or read, in plain words."""
    return _BY_CODE.get(exc.errno or 0) or exc.strerror or str(exc)
