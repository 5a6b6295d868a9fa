"""scripts/benchgen.py: reproducibility, reuse and a failed generation. Transactional
tests (COPY and DDL), each making its own small data set; pytest-django empties the
database after each."""

import pytest
from django.core.management import call_command
from django.db import connection

from khaibao.people.models import Person
from tests.bench.test_benchgen import NOW, SEED, SIZES, ZERO, _first_rows, benchgen
from tests.conftest import require

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_and_no_marker():
    require(connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database")
    benchgen.dataset_forget()  # the marker table is no model's: a flush keeps it
    # As benchgen's own flush does, restart the ids (pytest-django's flush keeps them), so
    # that every generation here writes the same ids.
    call_command("flush", interactive=False, verbosity=0)
    yield
    benchgen.dataset_forget()


def test_the_same_parameters_reuse_the_data_and_the_same_seed_makes_the_same_rows():
    took = benchgen.generate(**SIZES, seed=SEED, now=NOW, reuse=True)
    assert "reused" not in took
    first_rows = _first_rows()
    took = benchgen.generate(**SIZES, seed=SEED, now=NOW, reuse=True)
    assert set(took) == {"reused", "total"}
    assert _first_rows() == first_rows
    params = benchgen.dataset_marker()["params"]
    assert benchgen._reusable(params, None)
    assert not benchgen._reusable({**params, "seed": SEED + 1}, None)
    assert not benchgen._reusable({**params, "persons": 2_001}, None)

    # Older than allowed: flushed and made again, the same rows from the same seed.
    took = benchgen.generate(**SIZES, seed=SEED, now=NOW, reuse=True, reuse_max_age=ZERO)
    assert "reused" not in took
    assert Person.objects.count() == SIZES["persons"]
    assert _first_rows() == first_rows

    # Without reuse, or without its marker, a filled database is left alone.
    with pytest.raises(SystemExit, match="must hold no persons"):
        benchgen.generate(**SIZES, seed=SEED, now=NOW)
    benchgen.dataset_forget()
    with pytest.raises(SystemExit, match="benchgen did not make"):
        benchgen.generate(**SIZES, seed=SEED, now=NOW, reuse=True)
    assert Person.objects.count() == SIZES["persons"]


def _schema() -> list[tuple]:
    tables = [model._meta.db_table for model in benchgen._models()]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = ANY(%s::regclass[]) "
            "UNION ALL SELECT conname FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) "
            "ORDER BY 1",
            [tables, tables],
        )
        return cursor.fetchall()


def test_a_failed_generation_leaves_the_schema_whole_and_no_marker():
    schema = _schema()
    with pytest.raises(ValueError, match="doses do not fit"):
        benchgen.generate(**{**SIZES, "doses": 10**7}, seed=SEED, now=NOW, reuse=True)
    assert _schema() == schema
    assert not Person.objects.exists()
    assert benchgen.dataset_marker() is None
