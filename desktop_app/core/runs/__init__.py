"""Training runs kept with their metrics: the registry (registry), recording a run from a
training result and naming a model by its run (record), comparing two runs (compare).
"""
