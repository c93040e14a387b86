"""Renderers: the model to bytes (feeds, players, notes). They never open media."""
