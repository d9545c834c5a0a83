"""The plan layer: every name, default and grant decided from the config (plain dataclasses)."""
