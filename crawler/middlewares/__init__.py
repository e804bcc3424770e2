"""Downloader middlewares: back-off retries, browser escalation for JS pages and challenges."""
