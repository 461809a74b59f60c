"""Shared fixtures: the same pandas table on every engine narwhals drives here.

``to_engine(frame)`` turns a pandas frame into the native frame of the parametrised
engine (Polars eager and lazy, DuckDB, SQLFrame on DuckDB), through Arrow so missing
values and dtypes arrive as they are.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

pa = pytest.importorskip("pyarrow")
pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")
sqlframe_duckdb = pytest.importorskip("sqlframe.duckdb")

ENGINES = ["polars", "polars_lazy", "duckdb", "sqlframe"]
_names = itertools.count()


def _arrow(frame: pd.DataFrame) -> Any:
    return pa.Table.from_pandas(frame, preserve_index=False)


@pytest.fixture(scope="session")
def duckdb_connection() -> Any:
    conn = duckdb.connect()
    yield conn
    conn.close()


@pytest.fixture(scope="session")
def sqlframe_session(duckdb_connection: Any) -> Any:
    return sqlframe_duckdb.DuckDBSession(conn=duckdb_connection)


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def to_engine(
    engine: str, duckdb_connection: Any, sqlframe_session: Any
) -> Callable[[pd.DataFrame], Any]:
    def convert(frame: pd.DataFrame) -> Any:
        table = _arrow(frame)
        if engine == "polars":
            return pl.from_arrow(table)
        if engine == "polars_lazy":
            return pl.from_arrow(table).lazy()
        name = f"t{next(_names)}"
        duckdb_connection.register(f"{name}_arrow", table)
        duckdb_connection.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_arrow")
        duckdb_connection.unregister(f"{name}_arrow")
        if engine == "duckdb":
            return duckdb_connection.table(name)
        return sqlframe_session.sql(f"SELECT * FROM {name}")

    return convert


@pytest.fixture(scope="session")
def spark() -> Any:
    """A local[2] SparkSession for the whole run (skipped without pyspark or Java).

    Nothing in the library assumes local mode; this only keeps the tests self-contained.
    """
    import shutil

    pyspark_sql = pytest.importorskip("pyspark.sql")
    if shutil.which("java") is None:
        pytest.skip("Spark needs a Java runtime (java not on PATH; .ci/run installs one)")
    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .appName("precisemkt-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "2")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture
def to_spark(spark: Any) -> Callable[[pd.DataFrame], Any]:
    """A pandas frame as a Spark DataFrame (through Arrow, ≤ 100k rows in the tests)."""

    def convert(frame: pd.DataFrame) -> Any:
        assert len(frame) <= 100_000
        return spark.createDataFrame(_arrow(frame))

    return convert
