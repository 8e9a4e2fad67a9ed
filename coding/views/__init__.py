"""Coding pages, one module per part: the studies, the reading pane and its excerpts, reconciliation, the
codebook, the synthesis, and the settings (frameworks, labels, imports)."""
