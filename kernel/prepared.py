"""Queries written with the ORM, built and compiled once per process, run with each request's
values.

Building a QuerySet with a few subqueries and compiling it to SQL can cost far more than
running it: the member's episode page read the episode with the member's rating, latest
review, watchlist entry, favourites and held writing (five subqueries), and building and
compiling that took 2.2 ms of CPU in each request where running it took 0.09 ms
(docs/PERFORMANCE.md). A `Prepared` query is built once for each database alias with a
marker in place of each value that changes between requests, compiled, and then run with
the markers' parameters swapped for the request's values; its rows are converted as the
ORM's `values()` converts them (booleans and dates on SQLite).

The values are integers (keys, numbers) or lists of integers (`pk__in=`: compiled once per
length). A query whose SQL depends on a value itself rather than only passing it on as a
parameter cannot be prepared: compiling it twice with other markers checks that only the
markers' parameters differ. The queries look rows up by equality: a value beyond 64 bits (a
number typed into an address) finds none, without asking the database.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

# Markers must be values every integer column accepts (Django turns a lookup out of a
# column's range into an empty result, PositiveSmallIntegerField's 0 to 32767 included).
# The query is compiled twice, with markers counted down from each base: a parameter that
# differs between the two is a marker, one that does not is the query's own.
BASES = (30_000, 20_000)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    slots: tuple  # for each parameter: (argument, index in its list or None), or None: fixed
    names: tuple[str, ...]
    compiler: object
    converters: dict


class Prepared:
    """`build(**arguments)` gives a `values()` QuerySet; `rows(**arguments)` runs it."""

    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self._compiled: dict[tuple, _Compiled] = {}
        self._lock = threading.Lock()

    def rows(self, using: str = DEFAULT_DB_ALIAS, **arguments) -> list[dict]:
        shape = tuple(
            (name, len(value) if isinstance(value, list | tuple) else None)
            for name, value in sorted(arguments.items())
        )
        if not all(map(_fits, arguments.values())):
            return []  # a number from an address too large for any column matches no row
        compiled = self._compiled.get((using, shape))
        if compiled is None:
            with self._lock:
                compiled = self._compiled[(using, shape)] = self._compile(using, shape)
        params = [
            param if slot is None else _value(arguments, slot)
            for param, slot in zip(compiled.params, compiled.slots, strict=True)
        ]
        with connections[using].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            found = cursor.fetchall()
        if compiled.converters:
            found = compiled.compiler.apply_converters(found, compiled.converters)
        return [dict(zip(compiled.names, row, strict=True)) for row in found]

    def _compile(self, using: str, shape: tuple) -> _Compiled:
        compiled = [self._compile_with(using, shape, base) for base in BASES]
        (queryset, compiler, sql, params, markers), (_, _, other_sql, other_params, _) = compiled
        if sql != other_sql or len(params) != len(other_params):
            raise ValueError("the query's SQL depends on its values: it cannot be prepared")
        slots = tuple(
            None if param == other else markers[param]
            for param, other in zip(params, other_params, strict=True)
        )
        missing = set(markers.values()) - set(slots)
        if missing:
            raise ValueError(f"these values are not parameters of the query: {sorted(missing)}")
        query = queryset.query
        fields = [selected[0] for selected in compiler.select[: compiler.col_count]]
        return _Compiled(
            sql=sql,
            params=tuple(params),
            slots=slots,
            names=(*query.extra_select, *query.values_select, *query.annotation_select),
            compiler=compiler,
            converters=compiler.get_converters(fields),
        )

    def _compile_with(self, using: str, shape: tuple, base: int):
        markers: dict[int, tuple] = {}
        arguments: dict = {}
        for name, length in shape:
            if length is None:
                arguments[name] = _marker(markers, base, (name, None))
            else:
                arguments[name] = [_marker(markers, base, (name, i)) for i in range(length)]
        queryset = self.build(**arguments)
        if not (queryset.query.values_select or queryset.query.annotation_select):
            raise TypeError("a prepared query is a values() QuerySet")
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        return queryset, compiler, sql, list(params), markers


def loaded(model, using: str = DEFAULT_DB_ALIAS, **values):
    """An instance of `model` with these fields (by attname) as read from the database, the
    others deferred as `.only()` leaves them: read when asked for, never a blank."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    if len(names) != len(values):
        raise ValueError(f"not fields of {model.__name__}: {set(values) - set(names)}")
    return model.from_db(using, names, [values[name] for name in names])


def _fits(value) -> bool:
    if isinstance(value, list | tuple):
        return all(map(_fits, value))
    return -(2**63) <= value < 2**63


def _marker(markers: dict, base: int, slot: tuple) -> int:
    value = base - len(markers)
    markers[value] = slot
    return value


def _value(arguments: dict, slot: tuple):
    name, index = slot
    return arguments[name] if index is None else arguments[name][index]
