"""Evaluation: metrics for classifiers and clock models, readouts of one prediction, saliency.

`metrics` computes and stores what a model's outputs score (one report for a run's test split and for the CLI);
`on_data` runs a saved model on the data a user names (clock files, fresh renders, a dataset);
`user_data` scores a saved clock model on a sample of a user's own clock files (the app's "your files" views);
`readout` explains one clock prediction (top classes, circle outputs) and picks confusion cells;
`saliency` is occlusion saliency that works on every Keras backend.
"""
