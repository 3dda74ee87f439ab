"""Consent: records of choices (Art. 7(1)), the banner's notice version, decisions, GPC."""
