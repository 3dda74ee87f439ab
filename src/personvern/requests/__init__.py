"""Data-subject requests: deadlines (Art. 12(3)), the lifecycle state machine, identities."""
