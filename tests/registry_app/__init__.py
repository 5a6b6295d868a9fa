"""A throw-away app for tests/core/test_registry.py: it adds a role, a home-page entry and
a photo kind to the platform from its AppConfig.ready(), as every domain app does."""
