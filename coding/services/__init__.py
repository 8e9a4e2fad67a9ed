"""Writes for qualitative coding, one module per part: frameworks and labels (``frameworks``), the codebook
(``codebook``), study texts (``texts``), coders and excerpts (``excerpts``), the lead's reconciliation
(``reconcile``), coded data from a CSV (``excerpt_import``). Callers import from the module they need."""
