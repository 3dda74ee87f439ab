"""Background work: one table of job functions, two ways to run them.

* :mod:`personvern.jobs.registry`: ``@job("run_request")`` functions. Each takes its
  payload (plain JSON) and a :class:`~personvern.jobs.registry.JobEnvironment`, and opens
  its own session, so it runs the same in any process. ``@job(name, every=…)`` also runs
  it on a schedule.
* :mod:`personvern.jobs.runner`: the in-process runner on the engine's ``jobs`` table, for
  SQLite (one machine). Workers claim a job with one atomic ``UPDATE``; a job whose worker
  died is taken again once its lease expires.
* :mod:`personvern.jobs.queue`: procrastinate on PostgreSQL (many workers, many hosts),
  queue ``personvern``, in the same database; jobs of dead workers are queued again.
* :mod:`personvern.jobs.requests`: the jobs of data-subject requests (``run_request``,
  ``purge_packages``) and :func:`~personvern.jobs.requests.approve_and_schedule`, the one
  way to approve a request so that a worker carries it out;
  :mod:`personvern.jobs.request_runs` holds the runners, loaded only by workers.
"""
