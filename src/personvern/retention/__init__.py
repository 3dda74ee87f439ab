"""Retention: the manifest's rules carried out on schedule, safely on large tables, and proven.

:mod:`~personvern.retention.rules` resolves the rules and counts periods;
:mod:`~personvern.retention.predicates` writes them as SQL; :mod:`~personvern.retention.sweep`
deletes and anonymises in bounded, resumable batches; :mod:`~personvern.retention.plan`
shows what is due without writing; :mod:`~personvern.retention.verify` is the compliance
report; :mod:`~personvern.retention.jobs` is the daily job.
"""
