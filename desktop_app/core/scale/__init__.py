"""Beyond one machine: batch prediction on Ray Data and data-parallel training on Ray Train.

- ``cluster.py``: whether Ray is installed, :class:`RaySettings` (address, workers, GPUs per
  worker), :func:`ray_session` (connect to a cluster or start a local instance, check that the
  run fits, disconnect), :func:`cluster_resources` (plain data for "Test connection").
- ``sources.py``: the input files (a file, a folder or a glob of CSV/TSV/Parquet/JSONL),
  the read plan the app's own loader finds in the first file, and the Ray datasource.
- ``predict.py``: :func:`predict_files` (the driver) and the ``map_batches`` actor class.
- ``train.py``: :func:`train_on_ray` (the driver); ``train_worker.py``: the loop each Ray
  Train worker runs; ``relay.py``: the actor that carries progress and cancel between them.
- ``shipping.py``: a model folder through Ray's object store to the workers.

Nothing here imports Qt; every function reports through a
:class:`~desktop_app.core.jobs.JobContext`, so the command line and the app drive it alike.
"""
