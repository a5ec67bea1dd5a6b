"""The ``scomm`` command."""
