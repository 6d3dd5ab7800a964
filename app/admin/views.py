"""Views of the admin blueprint; none yet."""
