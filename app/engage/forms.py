"""Forms of the engage blueprint; none yet."""
