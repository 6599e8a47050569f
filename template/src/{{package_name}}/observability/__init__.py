# Managed by the relaykit template; "copier update" replaces this file.
"""Operations: request ids and JSON logs."""
