"""Runs: one folder per run, training it with progress events, the queue and worker, pretraining.

`store` owns the run folder (status, history, metrics, model); `training` runs one config end to end;
`jobs` is the on-disk queue and the background worker process; `device` says what will train and how long it
should take; `classroom` holds the limits for a shared class server; `pretrain` rebuilds `pretrained/`.
"""
