"""Page modules of the MLPs-and-CNNs and Permuted-pixels pages (widgets and drawing; computation is in core)."""
