"""The experiments as plain data: page knobs to run configs, comparison grids and tables, readings.

Pure functions behind the pages (no Streamlit, no Keras): what a knob does, which runs a comparison
queues, the rows of a comparison table, and the sentences the pages print about a result.
"""
