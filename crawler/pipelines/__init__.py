"""Item pipelines: check-only collection → extraction (+ attachments) → title gate → archive."""
