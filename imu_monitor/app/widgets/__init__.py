"""Reusable widgets of the app: the pelvis drawing, the big number, plots."""
