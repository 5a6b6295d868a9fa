"""Plain SQL for the few hot, fixed statements where the ORM's compiling costs more than
the database does (the checkpoint officer's look-up), with the values converted as the
ORM converts them.

On PostgreSQL such a statement is prepared on the connection the first time it runs
(server-side binding), so the server plans it once per connection instead of once per
request. Django's own statements keep client-side binding and are never prepared, so a
connection pooler is no concern for them; behind PgBouncer, set its
`max_prepared_statements` (1.21 and newer) for these.
"""

from collections.abc import Sequence

from django.db import connection
from django.db.models import Field

_converters: dict[tuple, list] = {}


def _converters_for(fields: Sequence[Field]) -> list:
    """(index, column, converters) for each of `fields` that needs converting on this
    database: the backend's and the field's, which the ORM applies to its own results
    (on SQLite: text to UUID, date and aware datetime; on PostgreSQL, for these, none)."""
    key = (connection.vendor, tuple(fields))
    if key not in _converters:
        found = []
        for index, field in enumerate(fields):
            column = field.get_col(field.model._meta.db_table)
            functions = connection.ops.get_db_converters(column) + column.get_db_converters(
                connection
            )
            if functions:
                found.append((index, column, functions))
        _converters[key] = found
    return _converters[key]


def db_value(field: Field, value):
    """`value` as a parameter for `field`'s column on this database (a UUID is text on
    SQLite, a uuid on PostgreSQL)."""
    return field.get_db_prep_value(value, connection)


def fetch_rows(sql: str, params: dict, fields: Sequence[Field]) -> list[list]:
    """The rows of `sql` (named `%(name)s` parameters), each value converted as the ORM
    would convert `fields[i]` (one field per column, in order; keep `fields` a module
    constant: its converters are worked out once per database)."""
    if connection.vendor == "postgresql" and not connection.queries_logged:
        import psycopg

        connection.ensure_connection()
        raw = connection.connection
        if raw.prepare_threshold is None:
            # Django turns preparing off for the whole connection; its own cursors bind
            # client-side and never prepare, so this affects only the cursor below.
            raw.prepare_threshold = 0
        # Server-side binding: the statement is prepared. (Where queries are logged, in
        # DEBUG and in tests that count them, Django's own cursor runs it instead: its
        # log needs the statement's text with the values in.)
        wrapper = connection.make_cursor(psycopg.Cursor(raw))
    else:
        wrapper = connection.cursor()
    with wrapper:
        wrapper.execute(sql, params)
        rows = [list(row) for row in wrapper.fetchall()]
    converters = _converters_for(fields)
    if converters:
        for row in rows:
            for index, column, functions in converters:
                value = row[index]
                for function in functions:
                    value = function(value, column, connection)
                row[index] = value
    return rows
