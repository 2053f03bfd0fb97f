"""Evaluation of the assistant against question sets."""
