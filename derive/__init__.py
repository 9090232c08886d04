"""derive: generate and verify symbolic derivations."""

__version__ = "0.1.0"
