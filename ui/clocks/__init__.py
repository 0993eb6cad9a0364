"""Tell the time: one module per tab (data, encodings, compare, results, inspector) and the train form."""
