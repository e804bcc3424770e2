"""The object store, one suite run against both back-ends (a folder and SeaweedFS over S3)."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import random
import subprocess
import threading
import tracemalloc
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest
import zstandard

from archive.errors import (
    BlobNotFoundError,
    CorruptObjectError,
    InvalidKeyError,
    StoreUnavailableError,
)
from archive.storage import BlobStore, FilesystemBlobStore, S3BlobStore, open_store
from archive.stores.spread import FS_TOPDIR_FL, folder_flags, spread_subfolders
from tests.fixtures.seaweedfs import SECRET_ACCESS_KEY, SeaweedFS, StoreBackend

MIB = 1 << 20

_ORGS = ("州政府办公室", "市司法局", "县人民政府", "区市场监管局", "省生态环境厅", "自治区交通运输厅")
_ACTS = (
    "深入学习贯彻习近平法治思想", "健全依法决策机制", "推进严格规范公正文明执法", "加强行政复议和应诉工作",
    "完善行政规范性文件合法性审核", "持续优化法治化营商环境", "开展“八五”普法宣传", "强化对行政权力的制约和监督",
)  # fmt: skip
_RESULTS = (
    "审核规范性文件",
    "办理行政复议案件",
    "开展执法检查",
    "组织法治培训",
    "清理证明事项",
    "回复群众诉求",
)


def chinese_text(size: int, seed: int = 0) -> str:
    """Report-like Chinese prose of about ``size`` UTF-8 bytes, the same for the same seed."""
    rng = random.Random(seed)
    sentences: list[str] = []
    length = 0
    while length < size:
        sentence = (
            f"{rng.randint(2019, 2025)}年，{rng.choice(_ORGS)}{rng.choice(_ACTS)}，"
            f"{rng.choice(_RESULTS)}{rng.randint(1, 999)}件，同比增长{rng.randint(1, 60)}.{rng.randint(0, 9)}%。"
        )
        if rng.random() < 0.15:
            sentence += "\n（" + "一二三四五六七八九十"[rng.randrange(10)] + "）" + rng.choice(_ACTS) + "\n"
        sentences.append(sentence)
        length += len(sentence.encode())
    return "".join(sentences)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class LazyStream(io.RawIOBase):
    """``total`` bytes made up on demand (half random, half text), hashed as they are handed out."""

    def __init__(self, total: int) -> None:
        self.left = total
        self.digest = hashlib.sha256()
        self._pending = memoryview(b"")
        self._blocks = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if not self._pending:
            if self.left == 0:
                return 0
            size = min(MIB, self.left)
            text = f"第{self._blocks}段 法治政府建设年度报告 ".encode() * (size // 20)
            block = (os.urandom(size // 2) + text)[:size]
            self.digest.update(block)
            self._pending = memoryview(block)
            self.left -= size
            self._blocks += 1
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


# --- both back-ends ------------------------------------------------------------------------------

ROUND_TRIP = {
    "chinese": "2024年法治政府建设年度报告：深入学习贯彻习近平法治思想。".encode(),
    "empty": b"",
    "binary": bytes(range(256)) * 4 + b"\x00\xff" * 100,
}


@pytest.mark.parametrize("data", ROUND_TRIP.values(), ids=ROUND_TRIP.keys())
def test_round_trip(blob_store: BlobStore, data: bytes) -> None:
    key = blob_store.put_bytes(data)
    assert key == sha(data)
    assert blob_store.exists(key)
    assert blob_store.get_bytes(key) == data
    with blob_store.open(key) as stream:
        assert stream.read() == data
    assert list(blob_store.iter_keys()) == [key]
    blob_store.verify(key)


def test_the_stores_satisfy_the_protocol(blob_store: BlobStore) -> None:
    assert isinstance(blob_store, BlobStore)
    assert blob_store.location.startswith(("file:///", "s3://"))


def test_second_put_stores_nothing(store_backend: StoreBackend) -> None:
    store = store_backend.store
    text = chinese_text(20_000).encode()
    key = store.put_bytes(text)
    before = store_backend.inventory()
    assert store.put_bytes(text) == key
    assert store.put_stream(io.BytesIO(text)) == key
    assert store_backend.make(compress=False).put_bytes(text) == key
    assert store_backend.inventory() == before


def test_put_stream_equals_put_bytes(store_backend: StoreBackend) -> None:
    data = chinese_text(50_000, seed=3).encode()
    key = store_backend.store.put_stream(io.BytesIO(data))
    assert key == sha(data)
    before = store_backend.inventory()
    assert store_backend.store.put_bytes(data) == key
    assert store_backend.inventory() == before
    assert store_backend.store.get_bytes(key) == data


def test_compression_is_transparent_and_pays_on_chinese_text(store_backend: StoreBackend) -> None:
    text = chinese_text(100 * 1024, seed=1).encode()
    key = store_backend.store.put_bytes(text)
    assert key == sha(text)
    assert store_backend.store.size(key) < len(text) * 0.7
    assert store_backend.store.get_bytes(key) == text
    with store_backend.store.open(key) as stream:
        pieces = iter(lambda: stream.read(999), b"")
        assert b"".join(pieces) == text
    store_backend.store.verify(key)


def test_uncompressed_store_keeps_bytes_as_they_are(store_backend: StoreBackend) -> None:
    plain = store_backend.make(compress=False)
    text = chinese_text(30_000, seed=2).encode()
    key = plain.put_bytes(text)
    assert plain.size(key) == len(text)
    assert store_backend.store.get_bytes(key) == text  # a compressing store reads it all the same


@pytest.mark.parametrize(
    "data",
    [os.urandom(200_000), b"\x1f\x8b\x08" + b"gzip already" * 1000, b"ab"],
    ids=["random", "gzip-magic", "tiny"],
)
def test_compression_skipped_where_it_does_not_pay(blob_store: BlobStore, data: bytes) -> None:
    key = blob_store.put_bytes(data)
    assert blob_store.size(key) == len(data)
    assert blob_store.get_bytes(key) == data


def test_streaming_a_large_object_stays_in_bounded_memory(blob_store: BlobStore) -> None:
    size = 64 * MIB
    source = LazyStream(size)
    tracemalloc.start()
    try:
        key = blob_store.put_stream(io.BufferedReader(source, buffer_size=MIB))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert key == source.digest.hexdigest()
    assert peak < size // 4, f"peak traced memory {peak / MIB:.1f} MiB for a {size // MIB} MiB object"
    assert 0 < blob_store.size(key) < size  # half of it is text: compressed
    blob_store.verify(key)
    with blob_store.open(key) as stream:
        first = stream.read(MIB)
    assert len(first) == MIB


BAD_KEYS = [
    "../../../etc/passwd",
    "0" * 63,
    "0" * 65,
    "A" * 64,
    "g" * 64,
    "../" + "0" * 61,
    "0" * 64 + "\n",
    "/" + "0" * 63,
    "",
]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_invalid_keys_are_rejected(blob_store: BlobStore, key: str) -> None:
    calls = [
        blob_store.get_bytes, blob_store.open, blob_store.exists, blob_store.size,
        blob_store.verify, blob_store.url_for, blob_store.delete,
    ]  # fmt: skip
    for call in calls:
        with pytest.raises(InvalidKeyError, match="64 lower-case hex"):
            call(key)


def test_missing_objects(blob_store: BlobStore) -> None:
    key = sha(b"never stored")
    assert not blob_store.exists(key)
    for call in (blob_store.get_bytes, blob_store.open, blob_store.size, blob_store.verify):
        with pytest.raises(BlobNotFoundError, match=key):
            call(key)
    assert blob_store.delete(key) is False


def test_iter_keys_and_delete(blob_store: BlobStore) -> None:
    keys = {blob_store.put_bytes(f"第{n}版".encode() * n) for n in range(1, 6)}
    assert set(blob_store.iter_keys()) == keys
    gone = sorted(keys)[0]
    assert blob_store.delete(gone) is True
    assert not blob_store.exists(gone)
    assert set(blob_store.iter_keys()) == keys - {gone}


@pytest.mark.parametrize("kind", ["compressed", "stored-as-is"])
def test_verify_catches_an_object_corrupted_behind_the_stores_back(
    store_backend: StoreBackend, kind: str
) -> None:
    data = chinese_text(20_000).encode() if kind == "compressed" else os.urandom(5000)
    store = store_backend.store
    key = store.put_bytes(data)
    store.verify(key)
    store_backend.overwrite_raw(key, b"tampered" + data[8:])
    with pytest.raises(CorruptObjectError, match=key):
        store.verify(key)
    with pytest.raises(CorruptObjectError, match=key):
        store.get_bytes(key)


def test_a_valid_frame_of_other_bytes_is_caught_too(store_backend: StoreBackend) -> None:
    key = store_backend.store.put_bytes(chinese_text(20_000).encode())
    other = zstandard.ZstdCompressor().compress(chinese_text(20_000, seed=9).encode())
    store_backend.overwrite_raw(key, other)
    with pytest.raises(CorruptObjectError) as caught:
        store_backend.store.verify(key)
    assert caught.value.key == key
    assert caught.value.actual  # decodes, but hashes to another key (or, raw, to the frame's hash)
    assert caught.value.actual != key


# --- factory -------------------------------------------------------------------------------------


def test_open_store_builds_both_back_ends(tmp_path: Path) -> None:
    folder = open_store((tmp_path / "对象 store").as_uri())
    assert isinstance(folder, FilesystemBlobStore)
    assert folder.root == tmp_path / "对象 store"
    assert folder.location == (tmp_path / "对象 store").as_uri()
    bucket = open_store("s3://govarchive/archive/2025/", endpoint_url="http://127.0.0.1:9", compress=False)
    assert isinstance(bucket, S3BlobStore)
    assert (bucket.bucket, bucket.prefix, bucket.location) == (
        "govarchive",
        "archive/2025",
        "s3://govarchive/archive/2025",
    )
    assert isinstance(open_store("s3://govarchive"), S3BlobStore)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://host/x",
        "/plain/path",
        "file:relative/path",
        "file://otherhost/x",
        "s3://",
        "s3://Bad_Bucket/x",
        "s3://ab/x",
        "s3://bucket/x?versionId=1",
        "s3://AKIAEXAMPLE:topsecret@bucket/prefix",
    ],
)
def test_open_store_rejects_bad_urls(url: str) -> None:
    with pytest.raises(ValueError, match="bucket|URL|url") as caught:
        open_store(url)
    assert "topsecret" not in str(caught.value)


# --- folder only ---------------------------------------------------------------------------------


def test_folder_layout_and_url(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path)
    text = chinese_text(10_000).encode()
    raw = os.urandom(3000)
    text_key, raw_key = store.put_bytes(text), store.put_bytes(raw)
    assert (tmp_path / "sha256" / text_key[:2] / f"{text_key}.zst").is_file()
    assert (tmp_path / "sha256" / raw_key[:2] / raw_key).read_bytes() == raw
    assert (tmp_path / "sha256" / "FANOUT").read_text().strip() == "1"
    assert store.url_for(raw_key, filename="报告.pdf") is None
    assert FilesystemBlobStore(tmp_path).fanout == 1 and sorted(FilesystemBlobStore(tmp_path).iter_keys()) == sorted(
        [text_key, raw_key])
    (tmp_path / "sha256" / "FANOUT").unlink()  # lost: the objects' places still tell
    assert FilesystemBlobStore(tmp_path).fanout == 1


def test_a_store_made_with_two_folder_levels_keeps_them(tmp_path: Path) -> None:
    """Stores made before FANOUT existed put objects at sha256/ab/cd/<key>: they are read there,
    and new objects go there too (whether or not FANOUT has been written since)."""
    old = os.urandom(3000)
    key = hashlib.sha256(old).hexdigest()
    folder = tmp_path / "sha256" / key[:2] / key[2:4]
    folder.mkdir(parents=True)
    (folder / key).write_bytes(old)
    store = FilesystemBlobStore(tmp_path)
    assert store.fanout == 2 and (tmp_path / "sha256" / "FANOUT").read_text().strip() == "2"
    assert store.get_bytes(key) == old and store.exists(key)
    new = os.urandom(3000)
    new_key = store.put_bytes(new)
    assert (tmp_path / "sha256" / new_key[:2] / new_key[2:4] / new_key).read_bytes() == new
    again = FilesystemBlobStore(tmp_path)
    assert again.fanout == 2 and sorted(again.iter_keys()) == sorted([key, new_key])
    (tmp_path / "sha256" / "FANOUT").unlink()  # lost: the objects' places still tell
    assert FilesystemBlobStore(tmp_path).fanout == 2


def test_a_temporary_file_left_by_a_crashed_writer_is_stepped_around(tmp_path: Path) -> None:
    """Temporary names are made of the key, the process and the thread: one left behind by a
    writer that crashed (a process id used again) must not stop the same object being written."""
    raw = os.urandom(3000)
    key = hashlib.sha256(raw).hexdigest()
    folder = tmp_path / "sha256" / key[:2] / key[2:4]
    folder.mkdir(parents=True)
    stale = folder / f".tmp-{key[:16]}-{os.getpid()}-{threading.get_ident()}"
    stale.write_bytes(b"half an object")
    store = FilesystemBlobStore(tmp_path)
    with store.deferred():
        assert store.put_bytes(raw) == key
        assert store.flush() == 1
    assert store.get_bytes(key) == raw and (folder / key).stat().st_mode & 0o777 == 0o444
    assert stale.read_bytes() == b"half an object"  # not ours to remove: it is another writer's name


def _leftovers(root: Path) -> list[Path]:
    """Files that are neither a whole object nor a pre-existing one: partial or temporary files."""
    return [p for p in root.rglob("*") if p.is_file() and p.name.startswith(".tmp-")]


class FillingDisk:
    """Stands in for os.write on a disk that fills up after ``room`` more bytes."""

    def __init__(self, room: int) -> None:
        self.room = room
        self._write = os.write

    def __call__(self, fd: int, data: bytes | memoryview) -> int:
        if fd <= 2:  # the test runner's own output
            return self._write(fd, data)
        if len(data) > self.room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room -= len(data)
        return self._write(fd, data)


@pytest.mark.parametrize("how", ["put_bytes", "put_stream"])
def test_full_disk_raises_unavailable_and_leaves_no_partial_object(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    store = FilesystemBlobStore(tmp_path)
    kept = store.put_bytes(b"already here")
    data = os.urandom(3 * MIB)
    monkeypatch.setattr(os, "write", FillingDisk(room=MIB))
    with pytest.raises(StoreUnavailableError, match="no space left on device") as caught:
        if how == "put_bytes":
            store.put_bytes(data)
        else:
            store.put_stream(io.BytesIO(data))
    monkeypatch.undo()
    assert caught.value.location == store.location
    assert not store.exists(sha(data))
    assert _leftovers(tmp_path) == []
    assert list(store.iter_keys()) == [kept]
    assert store.put_bytes(data) == sha(data)  # room again: it works


@pytest.fixture
def tiny_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A real 1 MiB tmpfs (needs the right to mount; skipped otherwise)."""
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount_point
    subprocess.run(["umount", str(mount_point)], check=True)


def test_full_disk_on_a_real_tiny_tmpfs(tiny_tmpfs: Path) -> None:
    store = FilesystemBlobStore(tiny_tmpfs / "objects")
    kept = store.put_bytes(b"small")
    big = os.urandom(2 * MIB)
    for put in (store.put_bytes, lambda data: store.put_stream(io.BytesIO(data))):
        with pytest.raises(StoreUnavailableError, match="no space left on device"):
            put(big)
        assert _leftovers(tiny_tmpfs) == []
        assert list(store.iter_keys()) == [kept]
    assert store.put_bytes(b"still room for this") in set(store.iter_keys())


@pytest.fixture
def read_only_store(tmp_path: Path) -> Iterator[tuple[FilesystemBlobStore, str]]:
    """A folder store holding one object, then made read-only for real (remounted, or chmod)."""
    root = tmp_path / "ro"
    root.mkdir()
    mounted = False
    if os.geteuid() == 0:  # permission bits do not stop root: use a read-only tmpfs instead
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(root)], capture_output=True, check=False
        )
        if done.returncode != 0:
            pytest.skip(f"running as root and cannot mount a read-only tmpfs: {done.stderr.decode().strip()}")
        mounted = True
    store = FilesystemBlobStore(root)
    key = store.put_bytes(chinese_text(5000).encode())
    if mounted:
        subprocess.run(["mount", "-o", "remount,ro", str(root)], check=True)
    else:
        for path in [root, *root.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
    yield store, key
    if mounted:
        subprocess.run(["umount", str(root)], check=True)
    else:
        for path in [root, *root.rglob("*")]:
            if path.is_dir():
                path.chmod(0o755)


def test_read_only_folder_refuses_writes_but_serves_reads(
    read_only_store: tuple[FilesystemBlobStore, str],
) -> None:
    store, key = read_only_store
    with pytest.raises(StoreUnavailableError, match="read-only file system|permission denied"):
        store.put_bytes(b"new bytes")
    with pytest.raises(StoreUnavailableError, match="read-only file system|permission denied"):
        store.put_stream(io.BytesIO(b"new streamed bytes"))
    assert store.put_bytes(store.get_bytes(key)) == key  # already there: nothing to write
    store.verify(key)
    assert list(store.iter_keys()) == [key]


# --- S3 only -------------------------------------------------------------------------------------


def _tampered(url: str) -> list[str]:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    signature = query["X-Amz-Signature"]
    other_signature = {**query, "X-Amz-Signature": ("0" if signature[0] != "0" else "1") + signature[1:]}
    longer = {**query, "X-Amz-Expires": str(int(query["X-Amz-Expires"]) + 1000)}
    other_key = parts.path[:-1] + ("0" if parts.path[-1] != "0" else "1")
    return [
        parts._replace(query=urlencode(other_signature)).geturl(),
        parts._replace(query=urlencode(longer)).geturl(),
        parts._replace(path=other_key).geturl(),
    ]


@pytest.mark.s3
def test_presigned_url_downloads_and_a_tampered_one_is_refused(seaweedfs: SeaweedFS) -> None:
    store = seaweedfs.store(seaweedfs.new_bucket())
    data = b"%PDF-1.7\n" + os.urandom(100_000)
    key = store.put_bytes(data)
    url = store.url_for(key, expires=300, filename="2024年法治政府建设年度报告.pdf")
    assert url is not None
    answer = httpx.get(url)
    assert answer.status_code == 200
    assert answer.content == data
    assert answer.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''2024%E5%B9%B4" in answer.headers["content-disposition"]
    for bad in _tampered(url):
        refused = httpx.get(bad)
        assert refused.status_code == 403, bad
        assert data[:200] not in refused.content


@pytest.mark.s3
def test_compressed_objects_get_no_presigned_url(seaweedfs: SeaweedFS) -> None:
    store = seaweedfs.store(seaweedfs.new_bucket())
    text = chinese_text(50_000).encode()
    key = store.put_bytes(text)
    assert store.size(key) < len(text)
    assert store.url_for(key) is None
    with pytest.raises(BlobNotFoundError):
        store.url_for(sha(b"absent"))


@pytest.mark.s3
def test_concurrent_puts_of_the_same_bytes_store_one_version(seaweedfs: SeaweedFS) -> None:
    bucket = seaweedfs.new_bucket()
    data = chinese_text(30_000, seed=5).encode()
    stores = [seaweedfs.store(bucket) for _ in range(6)]
    start = threading.Barrier(len(stores))

    def put(store: S3BlobStore) -> str:
        start.wait()
        return store.put_bytes(data)

    with ThreadPoolExecutor(len(stores)) as pool:
        keys = set(pool.map(put, stores))
    assert keys == {sha(data)}
    versions = seaweedfs.client().list_object_versions(Bucket=bucket).get("Versions", [])
    assert len(versions) == 1


@pytest.mark.s3
def test_multipart_upload_for_a_stream_larger_than_a_part(seaweedfs: SeaweedFS) -> None:
    store = seaweedfs.store(seaweedfs.new_bucket(), part_size=5 * MIB)
    data = os.urandom(12 * MIB)  # incompressible: 3 parts
    key = store.put_stream(io.BytesIO(data))
    assert store.size(key) == len(data)
    assert store.get_bytes(key) == data
    head = seaweedfs.client().head_object(
        Bucket=store.bucket, Key=f"archive/sha256/{key[:2]}/{key[2:4]}/{key}"
    )
    assert head["ETag"].endswith('-3"')
    assert seaweedfs.client().list_multipart_uploads(Bucket=store.bucket).get("Uploads") in (None, [])
    before = seaweedfs.client().list_object_versions(Bucket=store.bucket)["Versions"]
    assert store.put_stream(io.BytesIO(data)) == key
    assert seaweedfs.client().list_object_versions(Bucket=store.bucket)["Versions"] == before


@pytest.mark.s3
@pytest.mark.timeout(180)
def test_server_stopped_gives_unavailable_then_works_after_restart(seaweedfs: SeaweedFS) -> None:
    store = seaweedfs.store(seaweedfs.new_bucket())
    kept = store.put_bytes("停机前写入的报告".encode())
    seaweedfs.stop()
    try:
        for call in (
            lambda: store.put_bytes(b"while down"),
            lambda: store.get_bytes(kept),
            lambda: store.exists(kept),
            lambda: list(store.iter_keys()),
        ):
            with pytest.raises(StoreUnavailableError) as caught:
                call()
            message = str(caught.value)
            assert seaweedfs.endpoint_url in message
            assert "cannot reach" in message
            assert SECRET_ACCESS_KEY not in message
            assert seaweedfs.access_key_id not in message
    finally:
        seaweedfs.start()
    assert store.get_bytes(kept) == "停机前写入的报告".encode()
    assert store.exists(store.put_bytes(b"after the restart"))


@pytest.mark.s3
def test_wrong_credentials_and_missing_bucket_are_unavailable(seaweedfs: SeaweedFS) -> None:
    wrong = S3BlobStore(
        seaweedfs.bucket,
        endpoint_url=seaweedfs.endpoint_url,
        access_key_id=seaweedfs.access_key_id,
        secret_access_key="not-the-secret-at-all",
        max_attempts=1,
    )
    with pytest.raises(StoreUnavailableError, match="refused access") as caught:
        wrong.put_bytes(b"x")
    assert "not-the-secret-at-all" not in str(caught.value)
    absent = seaweedfs.store("no-such-bucket-here")
    with pytest.raises(StoreUnavailableError, match="does not exist"):
        absent.get_bytes(sha(b"x"))


def _file_system_of(path: Path) -> str:
    """The type of the file system ``path`` is on (the longest mount point above it, /proc/mounts)."""
    best, kind = "", ""
    for line in Path("/proc/mounts").read_text().splitlines():
        _, mount, fs_type, *_ = line.split()
        if (str(path) + "/").startswith(mount.rstrip("/") + "/") and len(mount) >= len(best):
            best, kind = mount, fs_type
    return kind


def test_a_new_store_asks_the_file_system_to_spread_its_object_folders(tmp_path: Path) -> None:
    """On ext4 a folder made under a crowded parent made every file in it cost 20-40 times more:
    a new store marks ``sha256/`` so its object folders are placed apart (``chattr +T``)."""
    store = FilesystemBlobStore(tmp_path / "store")
    key = store.put_bytes(os.urandom(3000))
    flags = folder_flags(tmp_path / "store" / "sha256")
    if _file_system_of(tmp_path).startswith("ext"):
        assert flags is not None and flags & FS_TOPDIR_FL
    else:  # a file system without the hint: the store works the same
        assert spread_subfolders(tmp_path / "store" / "sha256") == bool(flags is not None and flags & FS_TOPDIR_FL)
    assert store.get_bytes(key) and not (folder_flags(tmp_path / "store" / "sha256" / key[:2]) or 0) & FS_TOPDIR_FL


def test_spreading_is_a_hint_that_never_fails(tmp_path: Path) -> None:
    plain = tmp_path / "a-file"
    plain.write_bytes(b"x")
    assert spread_subfolders(plain) is False and folder_flags(plain) is None
    assert spread_subfolders(tmp_path / "missing") is False
