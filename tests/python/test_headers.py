from robyn import Headers


def test_names_are_case_insensitive_and_stored_lower_case():
    h = Headers({"Content-Type": "text/html", "X-Token": ["a", "b"]})
    assert h.get("content-type") == "text/html"
    assert h["CONTENT-TYPE"] == "text/html"
    assert h.keys() == ["content-type", "x-token"]
    assert h.contains("X-TOKEN") and "x-token" in h


def test_get_returns_last_value_or_default():
    h = Headers({"x": ["1", "2"]})
    assert h.get("x") == "2"
    assert h.get("missing") is None
    assert h.get("missing", "fallback") == "fallback"
    assert h["missing"] is None  # no KeyError, as in Robyn


def test_set_replaces_and_append_adds():
    h = Headers({"x": ["1", "2"]})
    h.set("X", "3")
    assert h.get_all("x") == ["3"]
    h["x"] = "4"
    h.append("X", "5")
    assert h.get_all("x") == ["4", "5"]
    assert h.get_all("nope") == []


def test_views():
    h = Headers({"a": ["1", "2"], "b": "3"})
    assert h.get_headers() == {"a": ["1", "2"], "b": ["3"]}
    assert h.to_dict() == {"a": "1, 2", "b": "3"}
    assert h.values() == ["2", "3"]
    assert h.items() == [("a", "2"), ("b", "3")]
    assert h.multi_items() == [("a", "1"), ("a", "2"), ("b", "3")]


def test_get_all_returns_a_copy():
    h = Headers({"a": "1"})
    h.get_all("a").append("2")
    assert h.get_all("a") == ["1"]


def test_populate_from_dict_adds_values():
    h = Headers({"a": "1"})
    h.populate_from_dict({"A": "2", "b": ["3", "4"]})
    assert h.get_all("a") == ["1", "2"]
    assert h.get_all("b") == ["3", "4"]


def test_empty_and_equality():
    assert Headers().is_empty() and Headers(None).is_empty()
    assert not Headers({"a": "1"}).is_empty()
    assert Headers({"A": "1"}) == Headers({"a": "1"})
    assert Headers({"a": "1"}) != Headers({"a": "2"})


def test_copy_constructor_is_independent():
    original = Headers({"a": "1"})
    copy = Headers(original)
    copy.append("a", "2")
    assert original.get_all("a") == ["1"]


def test_non_string_values_are_stringified():
    h = Headers()
    h.set("content-length", 12)
    assert h.get("content-length") == "12"


def test_from_raw_parses_bridge_block():
    h = Headers._from_raw("host:localhost:8080\naccept:a\naccept:b\nbroken-line\nx-empty:")
    assert h.get("host") == "localhost:8080"  # only the first colon separates
    assert h.get_all("accept") == ["a", "b"]
    assert h.get("x-empty") == ""
    assert "broken-line" not in h


def test_from_raw_empty_block():
    assert Headers._from_raw("").is_empty()


def test_flat_keeps_order_and_repeats():
    h = Headers({"b": "1"})
    h.append("a", "2")
    h.append("b", "3")
    assert h._flat() == ("b", "1", "b", "3", "a", "2")


def test_a_request_block_answers_get_and_contains_without_being_parsed():
    h = Headers._from_raw("host:localhost:8080\naccept:a\naccept:b\nx-empty:\nbroken-line")
    assert h.get("Accept") == "b"  # the last line of that name
    assert h["host"] == "localhost:8080"
    assert h.get("x-empty") == ""
    assert h.get("missing", "fallback") == "fallback"
    assert "ACCEPT" in h and "broken-line" not in h
    assert h._raw is not None  # still the block: nothing above needed the whole map


def test_a_name_holding_a_lines_separators_matches_no_line_of_a_block():
    h = Headers._from_raw("host:localhost:8080\naccept:a")
    for name in ("host:localhost", "accept\nhost", "ost:localhost:8080\naccept"):
        assert h.get(name) is None and name not in h
    h._map()  # parsed, the same answers
    assert all(h.get(name) is None and name not in h for name in ("host:localhost", "accept\nhost"))


def test_sets_on_a_block_read_as_if_each_had_been_made_on_the_parsed_map():
    h = Headers._from_raw("a:1\nb:2\nb:3\nc:4")
    h.set("B", "x")
    h.set("z", "9")
    h["A"] = "y"
    assert h.get("b") == "x" and h.get("z") == "9" and h.get("c") == "4"
    assert h.multi_items() == [("a", "y"), ("b", "x"), ("c", "4"), ("z", "9")]
    parsed_first = Headers({"a": "1", "b": ["2", "3"], "c": "4"})
    parsed_first.set("B", "x")
    parsed_first.set("z", "9")
    parsed_first["A"] = "y"
    assert h == parsed_first and h._flat() == parsed_first._flat()


def test_append_and_the_views_of_a_block_see_its_lines_and_the_sets_made_on_it():
    h = Headers._from_raw("b:2\nc:3\nc:4")
    h.set("b", "x")
    h.append("b", "y")
    assert h.get_all("b") == ["x", "y"]
    assert h.get_all("c") == ["3", "4"]
    assert Headers._from_raw("c:3\nc:4").to_dict() == {"c": "3, 4"}
    assert Headers._from_raw("c:3").keys() == ["c"] and Headers._from_raw("c:3").values() == ["3"]
    copy = Headers(Headers._from_raw("c:3"))
    copy.set("c", "changed")
    assert copy.get("c") == "changed"
    assert not Headers._from_raw("c:3").is_empty() and Headers._from_raw("").is_empty()
    assert Headers._from_raw("no-colon-so-no-header").is_empty()
    assert repr(Headers._from_raw("c:3")) == "Headers({'c': ['3']})"


def test_from_flat_reads_one_header_or_many_back_into_the_map():
    assert Headers._from_flat(("content-type", "text/plain")).multi_items() == [("content-type", "text/plain")]
    many = Headers._from_flat(("a", "1", "b", "2", "a", "3"))
    assert many.get_all("a") == ["1", "3"] and many._flat() == ("a", "1", "a", "3", "b", "2")
    assert Headers._from_flat(()).is_empty()
