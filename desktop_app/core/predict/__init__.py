"""Prediction with the current model: single texts and whole files (batch)."""
