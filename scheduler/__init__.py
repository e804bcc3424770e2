"""APScheduler wiring: each source's crawl on its own cron, alerts, health and overdue checks.

Imports ``alerts`` and ``archive``; never ``govarchive``, ``spiders`` or ``crawler``: crawls run as
child processes (:func:`scheduler.children.launch_crawl`, also used by the web app), and options and
source schedules arrive as plain values (:class:`scheduler.options.SchedulerOptions`).
"""
