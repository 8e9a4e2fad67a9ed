"""Report pages, one module per part: the overview, the review report and its downloads, the backup."""
