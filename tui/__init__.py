"""Hushpad: quiet session jottings and signed progress notes for psychotherapists."""

__version__ = "0.1.0"
