"""The Robyn version this package is compatible with."""

__version__ = "0.88.0"


def get_version() -> str:
    return __version__
