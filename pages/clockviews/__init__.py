"""The "Tell the time" page's parts: data, encodings, comparison, training knobs, results views."""
