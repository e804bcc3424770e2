"""The one URL mask (archive/urlmask.py), and every place that shows a URL using it."""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.subscriptions import SubscriptionError, SubscriptionFilter, add_subscription
from archive.catalog.database import CatalogUnavailableError, create_catalog_engine, init_catalog
from archive.storage import open_store
from archive.urlmask import MASK, mask_url
from govarchive.config import load_settings


@pytest.mark.parametrize(("url", "masked"), [
    ("postgresql+psycopg://arch:hunter2@127.0.0.1:5432/ga", f"postgresql+psycopg://arch:{MASK}@127.0.0.1:5432/ga"),
    ("redis://:hunter2@127.0.0.1:6379/0", f"redis://:{MASK}@127.0.0.1:6379/0"),
    ("mailto://user:hunter2@smtp.example.org?to=a@example.org", f"mailto://user:{MASK}@smtp.example.org?to=a@example.org"),
    ("tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-1001234567", f"tgram://{MASK}/{MASK}"),
    ("dingtalk://abcdef0123456789abcdef/", f"dingtalk://{MASK}/"),
    ("json://hook-user:hunter2@127.0.0.1:9/x", f"json://hook-user:{MASK}@127.0.0.1:9/x"),
    ("https://hooks.example.org/notify?token=abc123&room=ops", f"https://hooks.example.org/notify?token={MASK}&room=ops"),
    ("s3://bucket/prefix?access_key_id=AKIDEXAMPLE&secret_access_key=wJalr",
     f"s3://bucket/prefix?access_key_id={MASK}&secret_access_key={MASK}"),
    ("https://b.s3.example.org/k?X-Amz-Credential=AKID%2F2026&X-Amz-Signature=f00d&versionId=3",
     f"https://b.s3.example.org/k?X-Amz-Credential={MASK}&X-Amz-Signature={MASK}&versionId=3"),
    ("sqlite:////srv/govarchive/catalog.db", "sqlite:////srv/govarchive/catalog.db"),
    ("file:///srv/govarchive/objects", "file:///srv/govarchive/objects"),
    ("/srv/govarchive/catalog.db", "/srv/govarchive/catalog.db"),
    ("not a url at all: x://", "not a url at all: x://"),
])
def test_mask(url: str, masked: str) -> None:
    assert mask_url(url) == masked
    assert mask_url(masked) == masked  # masking a masked URL changes nothing


def test_settings_show_urls_masked(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, catalog={"url": "postgresql+psycopg://arch:hunter2@127.0.0.1:9/ga"},
                             worker={"redis_url": "redis://:hunter2@127.0.0.1:6379/0"})
    shown = settings.masked()
    assert "hunter2" not in repr(shown)
    assert shown["catalog"]["url"] == f"postgresql+psycopg://arch:{MASK}@127.0.0.1:9/ga"
    assert shown["worker"]["redis_url"] == f"redis://:{MASK}@127.0.0.1:6379/0"


def test_errors_show_urls_masked(tmp_path: Path) -> None:
    with pytest.raises(CatalogUnavailableError) as caught:
        create_catalog_engine("oracle://arch:hunter2@127.0.0.1:9/ga")
    assert "hunter2" not in str(caught.value) and f"arch:{MASK}@" in str(caught.value)
    with pytest.raises(CatalogUnavailableError) as unparsable:
        create_catalog_engine("post gres://arch:hunter2@127.0.0.1/ga")
    assert "hunter2" not in str(unparsable.value)
    with pytest.raises(ValueError, match="is not an object store URL") as bad_store:
        open_store("ftp://arch:hunter2@127.0.0.1/objects")
    assert "hunter2" not in str(bad_store.value)


def test_refused_channel_is_echoed_masked(tmp_path: Path) -> None:
    from sqlmodel import Session

    engine = create_catalog_engine(f"sqlite:///{tmp_path / 'catalog.db'}")
    init_catalog(engine)
    with Session(engine) as session, pytest.raises(SubscriptionError) as caught:
        add_subscription(session, "nosuchscheme://user:hunter2@example.org/", SubscriptionFilter())
    assert "hunter2" not in str(caught.value) and f"user:{MASK}@" in str(caught.value)
