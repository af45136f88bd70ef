"""Analyses built on tables and accounts: urban indicators, footprint inequality, typology."""
