"""The Scrapy project: settings, items, middlewares, pipelines, page extraction, link discovery.

May import ``archive`` (the pipelines record into it) and the settings; never ``scheduler``.
``runner.run_crawl`` runs a crawl in this process; ``extraction.extract_page`` turns a page into
clean text and metadata.
"""
