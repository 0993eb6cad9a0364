"""Image datasets: MNIST and Fashion-MNIST loaders with source reporting, the embedded offline copy, the pixel permutation.

`datasets` finds and validates the data a run asks for (Keras cache, a user file, ../shared/data or the copy
embedded here, whose files and provenance are described in README.md); `permutation` is the permuted-pixels
experiment; `make_embedded` rebuilds the embedded copy byte for byte.
"""
