"""Notebook execution: read lessons, run them in parallel kernels, cache and record the runs."""
