"""The Training tab's parts (the tab itself is ``ui/tabs/training_tab.py``).

- ``form.py``: the hyperparameter form, built from ``TrainConfig``'s fields and metadata
- ``model_picker.py``: which model to train (and its folder, hub id or word vectors)
- ``settings_panel.py``: the left column (data, model, hyperparameters, compute) and
  ``current_config()``; reads and writes ``training/*`` only through ``TrainingSettings``
- ``data_summary.py``: what Start would train on, read from the workspace
- ``run_panel.py``: progress, live loss plot, log, the run's data and its results (which
  remember the model that produced them)
- ``model_files.py``: Save model… / Load model… and the current model's name
- ``dialogs.py``: the file and quit dialogs (module functions, so tests can replace them)
"""
