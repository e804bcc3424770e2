"""Scale-out: many crawler workers on one Redis frontier (scrapy-redis), one catalog, one store.

``frontier`` (Redis keys and atomic steps), ``scheduler`` (scrapy-redis Scheduler + dupefilter with
leases), ``leases`` (when popped work counts as done), ``politeness`` (per-domain limits shared by
all workers), ``pipeline`` (concurrent-safe archiving), ``runs`` (queue and finish a run),
``worker`` (the ``govarchive worker`` process). See docs/deploy.md.
"""
