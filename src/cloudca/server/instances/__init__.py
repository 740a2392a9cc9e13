"""Instances: the API of the founding document, its state machine and its task handlers."""
