"""Models arrive with this system's issue; the app is installed so the layout is fixed."""
