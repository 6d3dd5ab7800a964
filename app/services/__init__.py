"""Domain logic the views call. Views stay thin; rules live here."""
