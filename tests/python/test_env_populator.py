from robyn.env_populator import parse_env_file


def test_parse_env_file():
    text = "# comment\n\nA=1\n B = two words \nNOEQUALS\n=novalue\nURL=http://x/?a=b\n"
    assert parse_env_file(text) == {"A": "1", "B": "two words", "URL": "http://x/?a=b"}
