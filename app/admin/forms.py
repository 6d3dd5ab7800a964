"""Forms of the admin blueprint; none yet."""
