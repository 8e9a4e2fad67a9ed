"""Helpers with no Django in them, shared by the apps: each module has its own tests in ``tests/lib``."""
