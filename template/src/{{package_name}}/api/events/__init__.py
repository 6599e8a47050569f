# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The example resource: events, accepted one at a time."""
