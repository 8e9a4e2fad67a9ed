"""Extraction pages, one module per part: studies and a reviewer's extraction, the form builder,
the lead's reconciliation, exports."""
