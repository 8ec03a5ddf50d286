"""The Explain tab's parts: the LIME settings row (options) and the view of one explanation
(result_panel). The tab itself is ``ui/tabs/explain_tab.py``.
"""
