"""Widgets only: the main window, one module per tab, reusable widgets."""
