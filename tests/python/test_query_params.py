from robyn.robyn import QueryParams


def parse(raw):
    return QueryParams._parse(raw)


def test_get_returns_last_value_or_default():
    q = parse("a=1&a=2&b=x")
    assert q.get("a") == "2"
    assert q.get("missing") is None
    assert q.get("missing", "d") == "d"


def test_first_and_all():
    q = parse("a=1&a=2")
    assert q.get_first("a") == "1"
    assert q.get_all("a") == ["1", "2"]
    assert q.get_all("missing") is None
    assert q.get_first("missing") is None


def test_keys_and_values_are_decoded_like_a_browser_encodes_them():
    q = parse("name=John%20Doe&plus=a+b&eq=x=y&caf%C3%A9=%E2%9C%93&lit=%2B")
    assert q.get("name") == "John Doe"
    assert q.get("plus") == "a b"
    assert q.get("eq") == "x=y"  # split on the first '=' only
    assert q.get("café") == "✓"
    assert q.get("lit") == "+"


def test_key_without_value_and_empty_segments():
    q = parse("flag&&x=1&")
    assert q.get("flag") == ""
    assert q.keys() == ["flag", "x"]


def test_empty_query():
    q = parse("")
    assert q.empty()
    assert q.to_dict() == {}
    assert QueryParams().empty()


def test_set_appends_and_contains():
    q = QueryParams()
    q.set("a", "1")
    q.set("a", "2")
    assert q.get_all("a") == ["1", "2"]
    assert q.contains("a") and "a" in q and "b" not in q
    assert not q.empty()


def test_views_and_to_dict():
    q = parse("a=1&b=2&a=3")
    assert q.to_dict() == {"a": ["1", "3"], "b": ["2"]}
    assert q.keys() == ["a", "b"]
    assert q.values() == ["3", "2"]
    assert q.items() == [("a", "3"), ("b", "2")]
    assert q.multi_items() == [("a", "1"), ("a", "3"), ("b", "2")]


def test_to_dict_is_a_copy():
    q = parse("a=1")
    q.to_dict()["a"].append("x")
    assert q.get_all("a") == ["1"]


def test_extend():
    q = parse("a=1")
    q.extend(parse("a=2&b=3"))
    assert q.to_dict() == {"a": ["1", "2"], "b": ["3"]}


def test_keys_are_case_sensitive():
    q = parse("A=1")
    assert q.get("a") is None and q.get("A") == "1"
