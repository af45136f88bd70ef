"""The model layer: named errors, dimension labels, validation helpers and the table types.

Nothing here solves, computes footprints or reads files; every layer above builds on it.
"""
