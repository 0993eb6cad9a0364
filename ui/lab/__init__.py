"""Views of the MLPs-and-CNNs and Permuted-pixels pages: data, knobs, results, comparisons."""
