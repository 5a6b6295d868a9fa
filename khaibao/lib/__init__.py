"""Small helpers every room of the portal may use; this package imports no room."""
