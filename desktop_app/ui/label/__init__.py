"""The Label tab's parts (the tab itself is ``ui/tabs/label_tab.py``).

``view`` builds its widgets; ``scoring`` (the model's suggestions and the LIME highlight),
``retrain`` (Retrain with my labels, the project's last model), ``review`` (suspicious labels,
duplicates, agreement), ``projects`` (new, open and the offer to start a project),
``annotator`` and ``export`` are its controllers. None of them keeps rows or labels: they read
the open project's :class:`~desktop_app.core.labelling.session.LabelSession`.
"""
