"""APScheduler wiring: each source's crawl on its own cron, alerts, health and overdue checks.

Imports ``archive``, ``govarchive.config`` and ``alerts``; never ``crawler`` or
``spiders`` (crawls run as child processes; source schedules arrive as plain values).
"""
