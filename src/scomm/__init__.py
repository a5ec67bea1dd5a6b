"""scomm: an open, working implementation of Secure Communities."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("scomm")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"
