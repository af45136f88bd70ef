"""Subcommands of the ``mrio-city`` CLI; each module exposes ``register(subparsers)``."""
