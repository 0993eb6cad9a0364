"""Files and folders: where Clockwork keeps things (paths) and crash-safe writes (atomic).

Every file a run, a cache or an upload leaves on disk is written through `atomic`, so a crash never leaves a
half-written file behind; `paths` is the one place that knows the folders (runs, cache, pretrained, data).
"""
