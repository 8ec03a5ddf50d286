"""Training: the configuration (config), the data (data), the loop (train, loop) and the
metrics (metrics).
"""
