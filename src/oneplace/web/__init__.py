"""Pages for people: the self-contained partnership report (and later the dashboard)."""
