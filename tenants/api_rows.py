"""List pages read as rows: the API lists integrations poll all day, without model instances.

A page of 50 registrations serialised field by field through a ModelSerializer builds 150
model instances (the row and its joined firm and program) and walks 25 fields' attribute
lookups per row: most of the request's time once the query is an index range (see
docs/benchmarks.md). `Rows` reads the same columns with `values()` and turns each into the
serializer's output with the serializer field's own `to_representation`, so the JSON is
the serializer's, byte for byte (tests/api/test_row_lists.py compares both on every list
that uses it). The serializer stays the documented shape (OpenAPI) and serves the detail
and write endpoints.

Fields the serializer maps straight to a column (or a related column, `source="a.b"`;
a `SlugRelatedField` as the related row's slug) are read as that column; anything else
(a method field, `__str__`, money with its currency) is declared with `Computed`: the
columns it reads and a function of the row.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.generics import ListAPIView


@dataclass(frozen=True)
class Computed:
    """An output field computed from the row: the columns it reads (`values()` lookups)
    and the function of the row (a dict of those columns) that gives its value."""

    columns: tuple[str, ...]
    value: Callable[[dict], object]


class Rows:
    """The output of `serializer_class` for each row of a `values()` page."""

    def __init__(self, serializer_class: type[serializers.ModelSerializer], **computed: Computed):
        fields = serializer_class().fields
        unknown = set(computed) - set(fields)
        if unknown:
            raise ValueError(f"{serializer_class.__name__} has no fields {sorted(unknown)}")
        self.columns: list[str] = []
        self._plan: list[tuple[str, str | None, Callable | None]] = []
        for name, field in fields.items():
            if name in computed:
                self._use(*computed[name].columns)
                self._plan.append((name, None, computed[name].value))
                continue
            column = _column_of(serializer_class, name, field)
            self._use(column)
            self._plan.append((name, column, _converter(field)))

    def _use(self, *columns: str) -> None:
        self.columns.extend(c for c in columns if c not in self.columns)

    def of(self, queryset: QuerySet, *also: str) -> QuerySet:
        """The queryset as the rows this output reads, and the columns `also` (a page's
        ordering, which its cursor is made of)."""
        extra = [c for c in also if c not in self.columns]
        return queryset.select_related(None).values(*self.columns, *extra)

    def render(self, rows: Sequence[dict]) -> list[dict]:
        plan, out = self._plan, []
        for row in rows:
            item = {}
            for name, column, convert in plan:
                if column is None:  # computed from the row
                    item[name] = convert(row)
                    continue
                value = row[column]
                item[name] = value if value is None or convert is None else convert(value)
            out.append(item)
        return out


def _column_of(serializer_class, name: str, field: serializers.Field) -> str:
    """The values() lookup a serializer field reads: its source, dots as `__`; a field that
    reads no column (a property, `__str__`, a related row as text) must be computed."""
    undeclared = f"{serializer_class.__name__}.{name} ({field.source}) reads no column"
    model, path = serializer_class.Meta.model, field.source.split(".")
    for position, part in enumerate(path):
        try:
            model_field = model._meta.get_field(part)
        except FieldDoesNotExist:
            raise ValueError(f"{undeclared}: declare it computed") from None
        last = position == len(path) - 1
        if model_field.is_relation and last and isinstance(field, serializers.SlugRelatedField):
            return "__".join((*path, field.slug_field))  # the related row's slug
        if model_field.is_relation and not last:
            model = model_field.related_model
        elif not last or (
            model_field.is_relation and not isinstance(field, serializers.PrimaryKeyRelatedField)
        ):
            raise ValueError(f"{undeclared}: declare it computed")
    return "__".join(path)


def _converter(field: serializers.Field) -> Callable | None:
    """The field's output for a column value; None where the column value is the output
    (an id, a text, a whole number, a flag); the field's own conversion otherwise."""
    if isinstance(field, serializers.PrimaryKeyRelatedField | serializers.SlugRelatedField):
        return None
    if type(field) in (serializers.CharField, serializers.IntegerField, serializers.BooleanField):
        return None
    return field.to_representation


class RowListApi(ListAPIView):
    """A list endpoint whose page is read as rows (`rows`), the same JSON as
    `serializer_class`, which still documents the schema."""

    rows: Rows

    def list(self, request, *args, **kwargs):
        queryset = self.rows.of(self.filter_queryset(self.get_queryset()), *self._cursor_fields())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.rows.render(page))

    def _cursor_fields(self) -> tuple[str, ...]:
        """The columns a cursor page's position is read from (none for numbered pages)."""
        ordering = getattr(self.paginator, "ordering", None) or ()
        fields = [ordering] if isinstance(ordering, str) else ordering
        return tuple(name.lstrip("-") for name in fields)
