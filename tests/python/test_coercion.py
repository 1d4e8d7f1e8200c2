import enum
import uuid
from typing import List, Optional, Union

import pytest

from robyn.coercion import coercion_for, to_bool


class Color(enum.Enum):
    RED = "red"


@pytest.mark.parametrize("raw", ["true", "TRUE", "1", "yes", "On"])
def test_true_strings(raw):
    assert to_bool(raw) is True


@pytest.mark.parametrize("raw", ["false", "0", "no", "OFF", ""])
def test_false_strings(raw):
    assert to_bool(raw) is False


def test_other_bool_strings_are_invalid():
    with pytest.raises(ValueError):
        to_bool("maybe")


def test_plain_strings_are_not_converted():
    import inspect

    for annotation in (inspect.Parameter.empty, str, "SomeUnresolvedName"):
        assert coercion_for(annotation).convert is None


def test_scalars_and_callables():
    assert coercion_for(int).convert("5") == 5
    assert coercion_for(float).convert("2.5") == 2.5
    assert coercion_for(Color).convert("red") is Color.RED
    assert coercion_for(uuid.UUID).convert(str(uuid.UUID(int=7))) == uuid.UUID(int=7)
    assert coercion_for(int).expected == "int"


@pytest.mark.parametrize("annotation", [Optional[int], Union[int, None], int | None])
def test_optional(annotation):
    c = coercion_for(annotation)
    assert c.optional and not c.many and c.convert("3") == 3 and c.expected == "int"


@pytest.mark.parametrize("annotation, element", [(list[int], int), (List[float], float), (list, None)])
def test_lists(annotation, element):
    c = coercion_for(annotation)
    assert c.many and c.convert is element


def test_optional_list():
    c = coercion_for(Optional[list[bool]])
    assert c.many and c.optional and c.convert("yes") is True


def test_union_tries_members_in_order():
    c = coercion_for(Union[int, float])
    assert c.convert("3") == 3 and c.convert("3.5") == 3.5
    assert c.expected == "int | float"
    with pytest.raises(ValueError):
        c.convert("x")
    assert coercion_for(Union[int, str]).convert("x") == "x"
