"""The domain core: object store, catalog, change rules, diffs, WARC captures, bundles, fixity.

Imports nothing of ours (no ``govarchive``, ``scheduler``, ``alerts``, ``spiders`` or ``crawler``): it receives
plain values (URLs, an engine, a store) and knows nothing of Scrapy. ``recorder.Archive`` is the
front door for what the crawler fetched; ``queries`` is the read side for the CLI and web app.
"""
