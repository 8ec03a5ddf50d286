"""Explaining predictions: fast, stable LIME (explainer, lime_fast), long texts by sentence
(long_text), the audit record (audit) and HTML/CSV export (export).
"""
