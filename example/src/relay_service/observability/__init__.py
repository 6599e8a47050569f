# Managed by relaykit: "copier update" merges the template's changes into this file.
"""Operations: request ids and JSON logs."""
