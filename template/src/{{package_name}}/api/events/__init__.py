# Managed by the relaykit template; "copier update" replaces this file.
"""The example resource: events, accepted one at a time."""
