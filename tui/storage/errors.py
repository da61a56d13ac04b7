"""Errors the storage layer raises. Each carries a message fit to show a clinician."""

from __future__ import annotations

from ..errors import HushpadError


class StorageError(HushpadError):
    pass


class DiskFullError(StorageError):
    pass


class ProfileInUseError(StorageError):
    pass


class NotInitialisedError(StorageError):
    pass


class StoreOpenError(StorageError):
    """A database file that cannot be opened with its key: wrong key or damage."""


class KeyFileError(HushpadError):
    """keys.json missing, truncated, tampered with, or not ours."""


class UnwrapError(HushpadError):
    """A wrap did not authenticate: wrong key, wrong code, or a changed byte."""


class KeyringError(HushpadError):
    """The OS keyring is missing, refused, locked, hanging, or lost our entry."""


class InsecureKeyringError(KeyringError):
    pass


class KeyringTimeoutError(KeyringError):
    pass


class RecoveryCodeError(HushpadError):
    pass


class UnsafePathError(StorageError):
    """A profile folder or file that is a symbolic link, or belongs to another user."""


class LockedError(HushpadError):
    """The stores are locked: keys have been dropped from memory."""
