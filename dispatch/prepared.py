"""Queries of the hot path compiled once per process (issue 27).

Django builds and compiles a QuerySet's SQL on every evaluation: for a `select_related` read of one row that is
60–75 % of the Python CPU the read costs (the intake's profile, docs/perf/intake-before.svg). A `PreparedQuery` keeps
the ORM's own SQL and its row → model machinery (the compiler's select list, converters and related populators)
per *shape* of its arguments, and on each call only substitutes the parameter values:

    _TOKEN = PreparedQuery(lambda key: Token.objects.select_related("user").filter(key=key))
    token = _TOKEN.first(key=key)

How the values are found in the compiled parameters: the first call of a shape compiles the QuerySet with
sentinel values (a unique string, integer or point per argument; a list of them per list element) and records
where each sentinel landed. A shape whose sentinels cannot all be found (an argument the ORM wrote into the SQL
text, or transformed on the way) is never prepared: it runs as the plain QuerySet every time — slower, never wrong.
The statement still goes through Django's cursor (logged, counted by CaptureQueriesContext, wrapped by
execute_wrapper). Rows come back as the QuerySet would give them (`from_db`, select_related objects, annotations),
without the QuerySet's extras (no `_known_related_objects`, no prefetch: do not prepare a query that needs them).

A shape is keyed by the arguments' names, types, list lengths, point SRIDs, the values of None and booleans (compiled
as they are), and by the database alias. `select_for_update()` keeps its check that a transaction is open.
"""
import itertools
import threading
from datetime import datetime

from django.contrib.gis.db.backends.postgis.adapter import PostGISAdapter
from django.contrib.gis.geos import GEOSGeometry, Point
from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.db.models import DateTimeField, Model
from django.db.models.sql import InsertQuery
from django.db.models.signals import post_save, pre_save
from django.db.models.query import get_related_populators
from django.db.transaction import TransactionManagementError

_counter = itertools.count(1)


class _Arg:
    """Where an argument's value goes: params[index] = value (or value[element], or an adapter of it)."""

    __slots__ = ("name", "element", "geography")

    def __init__(self, name, element=None, geography=None):
        self.name, self.element, self.geography = name, element, geography

    def value(self, kwargs):
        v = kwargs[self.name]
        if self.element is not None:
            v = v[self.element]
        if self.geography is not None:
            return PostGISAdapter(v, geography=self.geography)
        return v


class _Plan:
    __slots__ = ("sql", "slots", "model", "init_list", "start", "end", "related", "annotations", "converters", "fields",
                 "for_update", "positions", "compiler", "thread_converters")


def _converters(plan) -> dict:
    """The plan's converters made for the calling thread. PostGIS's geometry converter reads WKB through a GEOS reader
    that belongs to the thread that made it (django.contrib.gis.geos.prototypes.io keeps one per thread; it is not
    safe to share, and ctypes lets two threads into it at once). A plan is made once per process and used by every
    request thread — gunicorn's threads, uvicorn's request threads (dispatch/asgi_handler.py) — so two requests reading a geometry through
    the first thread's reader garbled it ("Unexpected EOF parsing WKB", a 500 on routing under bench/surge.py
    `--server gunicorn --http-threads 4`). The converters are made again, once, per thread; the idents of finished
    threads are forgotten now and then (a recycled ident belongs to a thread whose reader nobody else uses)."""
    ident = threading.get_ident()
    convs = plan.thread_converters.get(ident)
    if convs is None:
        convs = plan.compiler.get_converters(plan.fields)
        if len(plan.thread_converters) >= 256:
            plan.thread_converters.clear()
        plan.thread_converters[ident] = convs
    return convs


def _shape(kwargs) -> tuple:
    shape = []
    for name in sorted(kwargs):
        v = kwargs[name]
        if isinstance(v, (list, tuple)):
            shape.append((name, "list", len(v), type(v[0]).__name__ if v else None))
        elif isinstance(v, GEOSGeometry):
            shape.append((name, "geom", v.geom_type, v.srid))
        elif v is None or isinstance(v, bool):
            shape.append((name, v))  # not substituted (written as they are): each value is a shape of its own
        else:
            shape.append((name, type(v).__name__))
    return tuple(shape)


def _sentinel(value, tag):
    n = next(_counter)
    if isinstance(value, bool) or value is None:
        return None  # booleans and None change the SQL's shape or are too common to find: not substituted
    if isinstance(value, int):
        return -(7_310_000_000_000 + n)
    if isinstance(value, str):
        return f"\u2063prepared-{tag}-{n}\u2063"
    if isinstance(value, Point):
        # a point no real one is: a unique longitude in the middle of the Pacific
        return Point(-170.0 - n * 1e-6, -45.0 - n * 1e-6, srid=value.srid)
    return None


class PreparedQuery:
    def __init__(self, build):
        self._build = build
        self._plans: dict = {}
        self._lock = threading.Lock()

    # -- public ------------------------------------------------------------------------------------------------

    def all(self, using: str = "default", **kwargs) -> list:
        plan = self._plans.get((using, _shape(kwargs)))
        if plan is None:
            plan = self._prepare(using, kwargs)
        if plan is False:
            return list(self._build(**kwargs).using(using))
        return self._run(plan, using, kwargs)

    def rows(self, using: str = "default", **kwargs) -> list["Row"]:
        """The rows unconverted, each made into its model instance only when asked (`Row.instance()`): for a shortlist
        of which only a few become objects. `Row.value(attname)` reads one column of the base model or an annotation."""
        plan = self._plans.get((using, _shape(kwargs)))
        if plan is None:
            plan = self._prepare(using, kwargs)
        if plan is False:
            return [Row(None, obj, using) for obj in self._build(**kwargs).using(using)]
        return [Row(plan, row, using) for row in self._execute(plan, using, kwargs)]

    def first(self, using: str = "default", **kwargs):
        rows = self.all(using, **kwargs)
        return rows[0] if rows else None

    # -- preparing ---------------------------------------------------------------------------------------------

    def _prepare(self, using, kwargs):
        key = (using, _shape(kwargs))
        with self._lock:
            if key in self._plans:
                return self._plans[key]
            try:
                plan = self._compile(using, kwargs)
            except Exception:  # e.g. an empty IN list (no SQL at all) or a value the field refuses: the QuerySet decides
                plan = False
            self._plans[key] = plan
            return plan

    def _compile(self, using, kwargs):
        sentinels, wanted = {}, {}
        for name, value in kwargs.items():
            if isinstance(value, (list, tuple)):
                items = [_sentinel(v, name) for v in value]
                if any(s is None for s in items):
                    return False
                sentinels[name] = type(value)(items)
                for i, s in enumerate(items):
                    wanted[_key(s)] = (name, i)
            elif value is None or isinstance(value, bool):
                sentinels[name] = value
            else:
                s = _sentinel(value, name)
                if s is None:
                    return False
                sentinels[name] = s
                wanted[_key(s)] = (name, None)
        queryset = self._build(**sentinels).using(using)
        if queryset._prefetch_related_lookups or queryset._known_related_objects or queryset._iterable_class.__name__ != "ModelIterable":
            return False
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots, found = [], set()
        for p in params:
            k = _key(p.ewkb if isinstance(p, PostGISAdapter) else p)
            if k in wanted:
                name, element = wanted[k]
                found.add(k)
                slots.append(_Arg(name, element, p.geography if isinstance(p, PostGISAdapter) else None))
            else:
                slots.append(p)  # a constant of the query itself
        if found != set(wanted) or any(isinstance(s, str) and s in sql for s in _plain(sentinels)):
            return False
        plan = _Plan()
        plan.sql, plan.slots = sql, slots
        select, klass_info = compiler.select, compiler.klass_info
        plan.model = klass_info["model"]
        fields = klass_info["select_fields"]
        plan.start, plan.end = fields[0], fields[-1] + 1
        plan.init_list = [f[0].target.attname for f in select[plan.start:plan.end]]
        plan.related = get_related_populators(klass_info, select, using)
        plan.annotations = dict(compiler.annotation_col_map or {})
        plan.fields = [s[0] for s in select[0:compiler.col_count]]
        plan.converters = compiler.get_converters(plan.fields)  # which positions convert (the functions: _converters)
        plan.compiler, plan.thread_converters = compiler, {threading.get_ident(): plan.converters}
        plan.for_update = queryset.query.select_for_update
        plan.positions = {name: plan.start + i for i, name in enumerate(plan.init_list)} | plan.annotations
        return plan

    # -- running -----------------------------------------------------------------------------------------------

    def _execute(self, plan, using, kwargs):
        connection = connections[using]
        if plan.for_update and connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        params = [s.value(kwargs) if isinstance(s, _Arg) else s for s in plan.slots]
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            return cursor.fetchall()

    def _run(self, plan, using, kwargs):
        return [_instance(plan, row, using) for row in self._execute(plan, using, kwargs)]


def _convert(plan, pos, value, connection, convs=None):
    entry = (convs if convs is not None else _converters(plan)).get(pos)
    if entry is not None:
        functions, expression = entry
        for converter in functions:
            value = converter(value, expression, connection)
    return value


def _instance(plan, row, using):
    if plan.converters:
        connection = connections[using]
        convs = _converters(plan)
        row = list(row)
        for pos in plan.converters:
            row[pos] = _convert(plan, pos, row[pos], connection, convs)
    obj = plan.model.from_db(using, plan.init_list, row[plan.start:plan.end])
    for populator in plan.related:
        populator.populate(row, obj)
    for attr, pos in plan.annotations.items():
        setattr(obj, attr, row[pos])
    return obj


class Row:
    __slots__ = ("_plan", "_row", "_using", "_obj")

    def __init__(self, plan, row, using):
        self._plan, self._row, self._using = plan, row, using
        self._obj = row if plan is None else None

    def value(self, attname: str):
        if self._plan is None:
            return getattr(self._obj, attname)
        pos = self._plan.positions[attname]
        if pos not in self._plan.converters:
            return self._row[pos]  # no converter: the connection (a thread-local lookup) is not needed
        return _convert(self._plan, pos, self._row[pos], connections[self._using])

    def raw(self, attname: str):
        """The column as the database driver gave it, without the field's converter (a Distance annotation's plain
        number, in the unit `get_distance_att_for_field` names): for a hot loop that needs no converted object. On the
        QuerySet fallback, the converted value (the caller handles both)."""
        if self._plan is None:
            return getattr(self._obj, attname)
        return self._row[self._plan.positions[attname]]

    def instance(self):
        if self._obj is None:
            self._obj = _instance(self._plan, self._row, self._using)
        return self._obj


def _key(value):
    if isinstance(value, Point):
        return ("geom", bytes(value.ewkb))
    if isinstance(value, bytes):
        return ("geom", value)
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return (type(value).__name__, value)
    return ("other", id(value))


def _plain(sentinels):
    for v in sentinels.values():
        if isinstance(v, (list, tuple)):
            yield from v
        else:
            yield v


# -- one row's UPDATE of named fields ------------------------------------------------------------------------------

_UPDATES: dict = {}


def save_fields(obj, fields, using: str = "default"):
    """`obj.save(update_fields=fields)` with the UPDATE's SQL built once per (model, fields): the state transitions
    of every workflow (issue 27). Falls back to `save()` itself whenever that would do more than one UPDATE: a
    model with its own save(), save signals listening, a multi-table model, a field with its own SQL placeholder
    (geometries) or an expression as a value. The same refusal as save() when no row was updated."""
    model = type(obj)
    key = (model, tuple(fields), using)
    entry = _UPDATES.get(key)
    if entry is None:
        entry = _UPDATES[key] = _update_sql(model, fields, using)
    if entry is False or pre_save.has_listeners(model) or post_save.has_listeners(model):
        obj.save(update_fields=fields, using=using)
        return
    sql, model_fields = entry
    connection = connections[using]
    values = []
    for field in model_fields:
        value = field.pre_save(obj, False)
        if hasattr(value, "resolve_expression"):
            obj.save(update_fields=fields, using=using)
            return
        values.append(field.get_db_prep_save(value, connection))
    values.append(obj.pk)
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        if cursor.rowcount == 0:
            raise DatabaseError("Save with update_fields did not affect any rows.")
    obj._state.adding = False
    obj._state.db = using


def _update_sql(model, fields, using):
    meta = model._meta
    if model.save is not Model.save or meta.parents or meta.proxy:
        return False
    connection = connections[using]
    qn = connection.ops.quote_name
    model_fields = [meta.get_field(name) for name in fields]
    if any(not f.concrete or f.primary_key or f.many_to_many or hasattr(f, "get_placeholder") for f in model_fields):
        return False
    assignments = ", ".join(f"{qn(f.column)} = %s" for f in model_fields)
    return f"UPDATE {qn(meta.db_table)} SET {assignments} WHERE {qn(meta.pk.column)} = %s", model_fields


# -- one row's INSERT ----------------------------------------------------------------------------------------------

_INSERTS: dict = {}


def create(model, using: str = "default", **kwargs):
    """`model.objects.create(**kwargs)` with the INSERT's SQL compiled once (see `insert`)."""
    obj = model(**kwargs)
    insert(obj, using)
    return obj


def insert(obj, using: str = "default"):
    """`obj.save(force_insert=True)` for a new row, with the INSERT's SQL compiled by the ORM once per (model,
    placeholders of the fields that have their own: a geometry's SRID) and each call only preparing the values
    (`pre_save` + `get_db_prep_save`, as the ORM does): the incident's and the assignment's INSERTs were ≈ 20 % of an
    intake's CPU, most of it SQLInsertCompiler.as_sql over their columns (issue 27). The statement goes through
    Django's cursor (counted, logged); the returned columns (the pk, generated and database-default columns) are set
    on the object as save() sets them. Falls back to save() itself whenever that would do more than one INSERT or
    differ: a model with its own save(), save signals listening, a multi-table or ordered model, a primary key given
    or not an auto field, an expression as a value."""
    model = type(obj)
    meta = model._meta
    if (
        model.save is not Model.save or meta.parents or meta.proxy or meta.order_with_respect_to
        or meta.pk is not meta.auto_field or obj.pk is not None
        or pre_save.has_listeners(model) or post_save.has_listeners(model)
    ):
        obj.save(force_insert=True, using=using)
        return
    obj._prepare_related_fields_for_save(operation_name="save")
    connection = connections[using]
    fields = _insert_fields(meta)
    values, placeholders = [], []
    for field, kind in fields:
        value = field.pre_save(obj, True)
        if kind is _AWARE_DATETIME and type(value) is datetime and value.tzinfo is not None:
            values.append(value)  # what DateTimeField.get_db_prep_save gives back for an aware datetime, without to_python
            continue
        if hasattr(value, "resolve_expression"):
            obj.save(force_insert=True, using=using)
            return
        value = field.get_db_prep_save(value, connection)
        if kind is _PLACEHOLDER:
            # the field's own SQL for this value (a geometry in another SRID: ST_Transform(%s, 4326)): part of the shape
            placeholders.append(field.get_placeholder(value, None, connection))
        values.append(value)
    key = (model, using, tuple(placeholders))
    plan = _INSERTS.get(key)
    if plan is None:
        _INSERTS[key] = _insert_plan(obj, [f for f, _kind in fields], len(values), using)
        return insert(obj, using)  # compiling ran pre_save again (auto_now): take the values again, as the object has them
    if plan is False:
        obj.save(force_insert=True, using=using)
        return
    sql, returning, converters = plan
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    for pos, (field, value) in enumerate(zip(returning, row)):
        for converter in converters.get(pos, ((), None))[0]:
            value = converter(value, converters[pos][1], connection)
        setattr(obj, field.attname, value)
    obj._state.adding = False
    obj._state.db = using


_PLACEHOLDER, _AWARE_DATETIME, _PLAIN = "placeholder", "datetime", "plain"
_INSERT_FIELDS: dict = {}


def _insert_fields(meta):
    fields = _INSERT_FIELDS.get(meta)
    if fields is None:
        fields = []
        for f in meta.local_concrete_fields:
            if f.generated or f is meta.auto_field:
                continue
            if hasattr(f, "get_placeholder"):
                kind = _PLACEHOLDER
            elif (
                settings.USE_TZ and isinstance(f, DateTimeField)
                and type(f).get_db_prep_save is DateTimeField.get_db_prep_save
                and type(f).get_db_prep_value is DateTimeField.get_db_prep_value
                and type(f).get_prep_value is DateTimeField.get_prep_value
            ):
                kind = _AWARE_DATETIME
            else:
                kind = _PLAIN
            fields.append((f, kind))
        _INSERT_FIELDS[meta] = fields
    return fields


def _insert_plan(obj, fields, n_values, using):
    """The ORM's own INSERT … RETURNING for this object, or False when its parameters are not exactly one per field
    value (then the shape is left to save())."""
    meta = type(obj)._meta
    connection = connections[using]
    if not connection.features.can_return_columns_from_insert:
        return False
    query = InsertQuery(type(obj))
    query.insert_values(fields, [obj], raw=False)
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = returning = list(meta.db_returning_fields)
    statements = compiler.as_sql()
    if len(statements) != 1 or len(statements[0][1]) != n_values or getattr(compiler, "returning_params", ()):
        return False
    if any(hasattr(f, "geom_type") for f in returning):
        return False  # its converter would be bound to this thread's GEOS reader (see _converters): save() instead
    converters = compiler.get_converters([f.get_col(meta.db_table) for f in returning])
    return statements[0][0], returning, converters
