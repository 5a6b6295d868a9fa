"""Rules as versioned data: deadlines, thresholds, policies and SMS texts per province.

A rule *kind* (its fields, validation and defaults) is declared in code by the app that
uses it and registered with `register_kind()` in its AppConfig.ready(). Its *versions*
are rows: each has a number, an effective time and the official document it follows;
a version that has taken effect is never edited, a change is a new version. Read with
`rules_in_force(kind, area, at)`.
"""
