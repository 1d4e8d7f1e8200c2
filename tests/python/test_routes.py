import pytest

from robyn.routes import normalize_endpoint, param_names_of, shape_of


@pytest.mark.parametrize(
    "given, expected",
    [("/", "/"), ("///", "/"), ("users", "/users"), (" /users/ ", "/users"), ("/a/b//", "/a/b"), ("/:id", "/:id")],
)
def test_normalize_endpoint(given, expected):
    assert normalize_endpoint(given) == expected


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_endpoint_is_rejected(blank):
    with pytest.raises(ValueError):
        normalize_endpoint(blank)


def test_param_names_in_order():
    assert param_names_of("/users/:uid/posts/:post_id") == ("uid", "post_id")
    assert param_names_of("/extra/*rest") == ("rest",)
    assert param_names_of("/static/a:b") == ()  # only whole segments are parameters
    assert param_names_of("/") == ()


@pytest.mark.parametrize("pattern", ["/a/:", "/a/*", "/a/*rest/b", "/a/:x/:x"])
def test_invalid_parameters(pattern):
    with pytest.raises(ValueError):
        param_names_of(pattern)


def test_shape_erases_names():
    assert shape_of("/a/:x/*rest") == shape_of("/a/:y/*tail") == "/a/:/*"
    assert shape_of("/a/:x") != shape_of("/a/x")
