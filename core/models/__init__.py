"""Networks: the label encodings that shape a network's head and loss, the layers, the builder, saved files.

`encodings` turns labels into targets and outputs back into answers (one class per label representation);
`build` turns a `core.config.RunConfig` into a compiled Keras model and optimizer; `layers` holds the custom
layers of the polar clock CNN; `saved` loads `.keras` files safely and tells which encoding a model has.
"""
