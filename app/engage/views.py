"""Views of the engage blueprint; none yet."""
