"""The one error type every layer raises for the user to read.

str(exc) is a one-line message fit to show a clinician, never a traceback. Storage,
services and domain raise subclasses; screens and the CLI catch this one.
"""

from __future__ import annotations


class HushpadError(Exception):
    """Base: str(exc) is a one-line message for the user, never a traceback."""
