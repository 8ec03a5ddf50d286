"""The domain: data, text, models, training, prediction, explanation, project store.

Nothing in this package imports Qt; it is shared by the GUI, the headless command
line, the tests and the benchmarks.
"""
