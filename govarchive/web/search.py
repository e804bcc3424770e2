"""Full-text search over report titles and texts that works for Chinese.

One index row per report holding its newest version's title and text. SQLite: an FTS5 table
with the ``trigram`` tokenizer (substring matching without word segmentation; terms shorter
than three characters fall back to LIKE). PostgreSQL: a table with ``pg_trgm`` GIN indexes
queried with ILIKE. The index is kept current by ``sync()``, keyed on ``Version.id``: every
version added since the last sync is read from the object store and replaces its report's row.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

logger = logging.getLogger(__name__)

STATE_NAME = "search"
SNIPPET_RADIUS = 60
MAX_TERMS = 8
# Counting stops here: an exact count of a phrase in nearly every report costs a pass over the
# whole index, and "1,000+" tells a reader as much. Relevance ranking (bm25 / similarity) is only
# computed for queries with fewer matches; more matches are listed newest first.
COUNT_CAP = 1000

TextLoader = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class SearchFilters:
    source: str | None = None
    region: str | None = None
    level: str | None = None
    year: int | None = None


@dataclass(slots=True)
class SearchHit:
    report_id: int
    source: str
    title: str
    url: str
    publisher: str | None
    pub_date: Any
    report_year: int | None
    status: str
    snippet: str  # plain text; the caller escapes it and marks ``terms``


@dataclass(slots=True)
class SearchResult:
    query: str
    terms: list[str]
    total: int
    hits: list[SearchHit] = field(default_factory=list)
    indexed_through: int = 0  # the Version.id the index has caught up to
    total_is_exact: bool = True  # False when counting stopped at COUNT_CAP
    sort: str = "newest"  # the order actually used


def parse_terms(query: str) -> list[str]:
    """Whitespace-separated terms, quotes stripped, at most MAX_TERMS, no duplicates."""
    terms: list[str] = []
    for raw in query.replace("\u3000", " ").split():
        term = raw.strip("\"'“”‘’")
        if term and term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


def make_snippet(body: str, title: str, terms: Sequence[str]) -> str:
    """A short excerpt of ``body`` around the first term found (case-insensitive)."""
    lowered = body.lower()
    positions = [p for p in (lowered.find(t.lower()) for t in terms) if p >= 0]
    if not positions:
        return body[: SNIPPET_RADIUS * 2].strip()
    start = max(0, min(positions) - SNIPPET_RADIUS)
    end = min(len(body), min(positions) + SNIPPET_RADIUS * 2)
    excerpt = re.sub(r"\s+", " ", body[start:end]).strip()
    return ("…" if start > 0 else "") + excerpt + ("…" if end < len(body) else "")


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class SearchIndex:
    """Back-end neutral part: syncing from the catalog and the object store."""

    dialect = "base"

    def __init__(self, engine: Engine, load_text: TextLoader, *, batch_size: int = 200) -> None:
        self.engine = engine
        self.load_text = load_text
        self.batch_size = batch_size
        self._lock = threading.Lock()

    # schema ------------------------------------------------------------------------------
    def create(self) -> None:
        raise NotImplementedError

    def _upsert(
        self, conn: Connection, report_id: int, version_id: int, title: str, body: str, facets: str
    ) -> None:
        raise NotImplementedError

    def _state_sql(self) -> str:
        return (
            "CREATE TABLE IF NOT EXISTS web_search_state "
            "(name VARCHAR(50) PRIMARY KEY, last_version_id INTEGER NOT NULL)"
        )

    # syncing -----------------------------------------------------------------------------
    def indexed_through(self) -> int:
        with self.engine.connect() as conn:
            value = conn.execute(
                text("SELECT last_version_id FROM web_search_state WHERE name = :n"), {"n": STATE_NAME}
            ).scalar()
        return int(value or 0)

    def pending(self) -> int:
        """How many versions wait to be indexed."""
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    text("SELECT count(*) FROM versions WHERE id > :after"), {"after": self.indexed_through()}
                ).scalar()
                or 0
            )

    def sync(self, max_batches: int | None = None) -> int:
        """Index versions added since the last sync; return how many were read.

        Safe to call from several threads (one runs, the others return 0) and processes
        (rows are replaced, so indexing twice is harmless).
        """
        if not self._lock.acquire(blocking=False):
            return 0
        try:
            done = 0
            batches = 0
            while max_batches is None or batches < max_batches:
                count = self._sync_batch()
                if count == 0:
                    break
                done += count
                batches += 1
            return done
        finally:
            self._lock.release()

    def _sync_batch(self) -> int:
        after = self.indexed_through()
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT v.id, v.report_id, v.number, v.title, v.text_key, s.name AS source, r.report_year "
                    "FROM versions v JOIN reports r ON r.id = v.report_id JOIN sources s ON s.id = r.source_id "
                    "WHERE v.id > :after ORDER BY v.id LIMIT :limit"
                ),
                {"after": after, "limit": self.batch_size},
            ).all()
        if not rows:
            return 0
        newest: dict[int, Any] = {}
        for row in rows:  # a later version of the same report replaces an earlier one
            current = newest.get(row.report_id)
            if current is None or row.number >= current.number:
                newest[row.report_id] = row
        documents = []
        for row in newest.values():
            try:
                body = self.load_text(row.text_key)
            except Exception as exc:  # a missing object must not stop the index  # noqa: BLE001
                logger.warning("search index: text of version %s unreadable: %s", row.id, exc)
                body = ""
            facets = f"|src={row.source}| |year={row.report_year or 0}|"
            documents.append((row.report_id, row.id, row.number, row.title or "", body, facets))
        last_id = rows[-1].id
        with self.engine.begin() as conn:
            for report_id, version_id, number, title, body, facets in documents:
                latest = conn.execute(
                    text("SELECT max(number) FROM versions WHERE report_id = :r"), {"r": report_id}
                ).scalar()
                if latest is not None and number < latest:
                    continue  # a newer version exists beyond this batch; it will be indexed then
                self._upsert(conn, report_id, version_id, title, body, facets)
            self._save_state(conn, last_id)
        return len(rows)

    def _save_state(self, conn: Connection, last_id: int) -> None:
        updated = conn.execute(
            text("UPDATE web_search_state SET last_version_id = :v WHERE name = :n AND last_version_id < :v"),
            {"v": last_id, "n": STATE_NAME},
        ).rowcount
        if not updated:
            exists = conn.execute(
                text("SELECT 1 FROM web_search_state WHERE name = :n"), {"n": STATE_NAME}
            ).first()
            if exists is None:
                conn.execute(
                    text("INSERT INTO web_search_state (name, last_version_id) VALUES (:n, :v)"),
                    {"n": STATE_NAME, "v": last_id},
                )

    # searching ---------------------------------------------------------------------------
    def _facets(self, filters: SearchFilters) -> list[str] | None:
        """Index tokens equivalent to the source / region / level filters (None: no narrowing)."""
        if filters.source:
            return [f"|src={filters.source}|"]
        if not (filters.region or filters.level):
            return None
        sql = "SELECT name FROM sources WHERE 1 = 1"
        params: dict[str, Any] = {}
        if filters.region:
            sql += " AND region = :region"
            params["region"] = filters.region
        if filters.level:
            sql += " AND level = :level"
            params["level"] = filters.level
        with self.engine.connect() as conn:
            names = [row[0] for row in conn.execute(text(sql), params).all()]
        return [f"|src={name}|" for name in names if '"' not in name]

    def search(
        self,
        query: str,
        filters: SearchFilters = SearchFilters(),
        *,
        limit: int = 20,
        offset: int = 0,
        sort: str = "relevance",
    ) -> SearchResult:
        terms = parse_terms(query)
        result = SearchResult(query=query, terms=terms, total=0, indexed_through=self.indexed_through())
        if not terms:
            return result
        facets = self._facets(filters)
        if facets == []:
            return result  # no source has that region / level
        where, params, rank_order = self._match(terms, facets)
        filter_sql = []
        if filters.source:
            filter_sql.append("s.name = :f_source")
            params["f_source"] = filters.source
        if filters.region:
            filter_sql.append("s.region = :f_region")
            params["f_region"] = filters.region
        if filters.level:
            filter_sql.append("s.level = :f_level")
            params["f_level"] = filters.level
        if filters.year is not None:
            filter_sql.append("r.report_year = :f_year")
            params["f_year"] = filters.year
        clause = " AND ".join([where, *filter_sql])
        base = (
            f"FROM web_search f JOIN reports r ON r.id = f.report_id "
            f"JOIN sources s ON s.id = r.source_id WHERE {clause}"
        )
        with self.engine.connect() as conn:
            counted = conn.execute(
                text(f"SELECT count(*) FROM (SELECT 1 {base} LIMIT :cap) AS capped"), {**params, "cap": COUNT_CAP}
            ).scalar()
            result.total = int(counted or 0)
            result.total_is_exact = result.total < COUNT_CAP
            result.sort = "relevance" if sort == "relevance" and result.total_is_exact and rank_order else "newest"
            order = rank_order if result.sort == "relevance" else self.newest_order
            rows = conn.execute(
                text(
                    "SELECT r.id, s.name, r.title, r.canonical_url, r.publisher, r.pub_date, r.report_year, "
                    f"r.status, f.body {base} ORDER BY {order} LIMIT :limit OFFSET :offset"
                ),
                {**params, "limit": limit, "offset": offset},
            ).all()
        result.hits = [
            SearchHit(
                report_id=row[0],
                source=row[1],
                title=row[2],
                url=row[3],
                publisher=row[4],
                pub_date=row[5],
                report_year=row[6],
                status=row[7],
                snippet=make_snippet(row[8] or "", row[2], terms),
            )
            for row in rows
        ]
        return result

    newest_order = "r.id DESC"

    def _match(
        self, terms: list[str], facets: list[str] | None = None
    ) -> tuple[str, dict[str, Any], str | None]:
        """(WHERE clause, parameters, relevance ORDER BY or None); ``facets`` narrow it when supported."""
        raise NotImplementedError


class SqliteSearchIndex(SearchIndex):
    """FTS5 with the trigram tokenizer; ``web_search.rowid`` is the report id."""

    dialect = "sqlite"

    COLUMNS = "title, body, facets, report_id UNINDEXED, version_id UNINDEXED"

    def create(self) -> None:
        with self.engine.begin() as conn:
            columns = [row[1] for row in conn.execute(text("PRAGMA table_info(web_search)")).all()]
            if columns and "facets" not in columns:  # an index from an older layout: rebuild it
                conn.execute(text("DROP TABLE web_search"))
                conn.execute(text("DROP TABLE IF EXISTS web_search_state"))
            conn.execute(
                text(f"CREATE VIRTUAL TABLE IF NOT EXISTS web_search USING fts5({self.COLUMNS}, tokenize='trigram')")
            )
            conn.execute(text(self._state_sql()))

    def _upsert(
        self, conn: Connection, report_id: int, version_id: int, title: str, body: str, facets: str
    ) -> None:
        conn.execute(text("DELETE FROM web_search WHERE rowid = :r"), {"r": report_id})
        conn.execute(
            text(
                "INSERT INTO web_search (rowid, title, body, facets, report_id, version_id) "
                "VALUES (:r, :t, :b, :f, :r, :v)"
            ),
            {"r": report_id, "t": title, "b": body, "f": facets, "v": version_id},
        )

    newest_order = "f.rowid DESC"  # FTS5 walks its doclists in rowid order: no sort, stops at LIMIT

    def _match(
        self, terms: list[str], facets: list[str] | None = None
    ) -> tuple[str, dict[str, Any], str | None]:
        params: dict[str, Any] = {}
        long_terms = [t for t in terms if len(t) >= 3]
        expressions = []
        if long_terms:
            phrases = " AND ".join('"' + t.replace('"', '""') + '"' for t in long_terms)
            expressions.append(f"{{title body}} : ({phrases})")
        if facets:
            # The filters as indexed tokens: FTS5 intersects doclists instead of checking every match.
            expressions.append("facets : (" + " OR ".join(f'"{f}"' for f in facets) + ")")
        clauses = []
        if expressions:
            params["m"] = " AND ".join(expressions)
            clauses.append("web_search MATCH :m")
        for index, term in enumerate(t for t in terms if len(t) < 3):
            params[f"l{index}"] = _like_pattern(term)
            clauses.append(f"(f.title LIKE :l{index} ESCAPE '\\' OR f.body LIKE :l{index} ESCAPE '\\')")
        return " AND ".join(clauses), params, "f.rank, f.rowid DESC" if long_terms else None


class PostgresSearchIndex(SearchIndex):
    """A plain table with pg_trgm GIN indexes; ILIKE uses them for terms of three or more characters."""

    dialect = "postgresql"
    has_trigram = False

    def create(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                text(
                    "CREATE TABLE IF NOT EXISTS web_search (report_id INTEGER PRIMARY KEY, "
                    "version_id INTEGER NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL)"
                )
            )
            conn.execute(text(self._state_sql()))
        try:
            with self.engine.begin() as conn:
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
                conn.execute(
                    text(
                        "CREATE INDEX IF NOT EXISTS ix_web_search_body_trgm ON web_search USING gin (body gin_trgm_ops)"
                    )
                )
                conn.execute(
                    text(
                        "CREATE INDEX IF NOT EXISTS ix_web_search_title_trgm ON web_search USING gin (title gin_trgm_ops)"
                    )
                )
            self.has_trigram = True
        except DBAPIError as exc:  # no pg_trgm: ILIKE still answers, by scanning
            logger.warning(
                "search index: pg_trgm unavailable, searching without a trigram index: %s", exc.orig
            )

    def _upsert(
        self, conn: Connection, report_id: int, version_id: int, title: str, body: str, facets: str
    ) -> None:
        conn.execute(
            text(
                "INSERT INTO web_search (report_id, version_id, title, body) VALUES (:r, :v, :t, :b) "
                "ON CONFLICT (report_id) DO UPDATE SET version_id = EXCLUDED.version_id, "
                "title = EXCLUDED.title, body = EXCLUDED.body"
            ),
            {"r": report_id, "v": version_id, "t": title, "b": body.replace("\x00", "")},
        )

    newest_order = "f.report_id DESC"

    def _match(
        self, terms: list[str], facets: list[str] | None = None
    ) -> tuple[str, dict[str, Any], str | None]:
        params: dict[str, Any] = {}
        clauses = []
        for index, term in enumerate(terms):
            params[f"l{index}"] = _like_pattern(term)
            clauses.append(f"(f.title ILIKE :l{index} OR f.body ILIKE :l{index})")
        if not self.has_trigram:
            return " AND ".join(clauses), params, None
        params["q_title"] = " ".join(terms)
        return " AND ".join(clauses), params, "similarity(f.title, :q_title) DESC, f.report_id DESC"


def open_search_index(engine: Engine, load_text: TextLoader) -> SearchIndex:
    """The index for the catalog's back-end, its tables created."""
    index: SearchIndex
    if engine.dialect.name == "postgresql":
        index = PostgresSearchIndex(engine, load_text)
    else:
        index = SqliteSearchIndex(engine, load_text)
    index.create()
    return index
