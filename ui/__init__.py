"""The app's page helpers: widgets and views the page scripts in `pages/` are made of.

`state` is the one typed place for state shared between views; `run_cache` caches runs, evaluations and
models for pages; `train_panel` / `live` / `teacher` are the sidebar's training panel, live progress and
classroom controls; `widgets` holds small widgets several views share; `lab/` holds the MLPs-and-CNNs and
permuted-pixels views, `clocks/` one module per Tell-the-time tab (and `models`, the model picker they share).
All computation is in `core/`.
"""
