"""Evaluation: metrics for classifiers and clock models, readouts of one prediction, saliency.

`metrics` computes and stores what a trained model scores on its test data (and on any named data);
`readout` explains one clock prediction (top classes, circle outputs) and picks confusion cells;
`saliency` is occlusion saliency that works on every Keras backend.
"""
