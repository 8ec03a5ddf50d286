"""The Predict tab's panels: one text (single_panel), a whole file (file_panel) and the
file panel's background tasks (batch_tasks). The tab itself is ``ui/tabs/predict_tab.py``.
"""
