"""Crawl launchers: the application's side of a crawl.

``settings`` (govarchive Settings → Scrapy settings), ``project`` (the Scrapy settings module named
by ``scrapy.cfg``), ``runner`` (crawl in this process: ``govarchive crawl``, ``python -m
govarchive.launch.runner``), ``runs`` (queue a distributed run and finish it), ``worker`` (the
``govarchive worker`` process) with ``worker_settings``. They join the spiders to the crawler
machinery, which is why they live here and not in ``crawler/``.
"""
