"""The crawl machinery: Scrapy settings defaults, items, middlewares, pipelines, extraction, discovery.

Imports only ``archive`` (the pipelines record into it): configuration arrives as Scrapy settings
built by the application (``govarchive.launch``), sources as values (``session.CrawlSource``).
``extraction.extract_page`` turns a page into clean text and metadata.
"""
