"""The GDPR linter: rules that judge a loaded manifest, each citing what it enforces."""

from __future__ import annotations

from personvern.lint import (  # noqa: F401 - importing registers the rules
    rules_cookies,
    rules_datastores,
    rules_parties,
    rules_purposes,
)
from personvern.lint.check import check_loaded, check_manifest
from personvern.lint.rule import RULES, Finding, Rule, Severity, find_rule, run_rules

__all__ = [
    "RULES", "Finding", "Rule", "Severity", "check_loaded", "check_manifest", "find_rule",
    "run_rules",
]
