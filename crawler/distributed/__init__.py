"""Scale-out: many crawler workers on one Redis frontier (scrapy-redis), one catalog, one store.

``frontier`` (Redis keys and atomic steps), ``scheduler`` (scrapy-redis Scheduler + dupefilter with
leases), ``leases`` (when popped work counts as done), ``politeness`` (per-domain limits shared by
all workers), ``pipeline`` (concurrent-safe archiving). Queueing and finishing a run and the
``govarchive worker`` process are the application's (``govarchive.launch.runs``/``worker``).
See docs/deploy.md.
"""
