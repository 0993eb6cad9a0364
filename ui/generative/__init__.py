"""Views and helpers of the Generative models page (pages/generative.py)."""
