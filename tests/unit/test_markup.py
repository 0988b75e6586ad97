"""Reply markup: the neutral subset and its tokens, rendered as Slack mrkdwn and as plain (console) text."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.chat.markup import channel, link, literal, person, plain
from bot.platforms.slack.render import mrkdwn

EVIL = [
    "<!channel>",
    "<!here>",
    "<@UEVIL>",
    "<#CEVIL>",
    "<http://evil.example|click>",
    "<!subteam^S1>",
    "&lt;!here&gt;",
]
# Whatever could start markup or a token, and the tokens themselves, mixed into ordinary text.
hostile = st.lists(
    st.one_of(
        st.sampled_from(list("\\*_`[]()<>-#@!|&:~ \n") + ["**", "- ", "> ", "https://x.jp", "person:", "channel:"]),
        st.sampled_from([*EVIL, person("U1"), channel("C1"), link("https://x.jp", "x")]),
        st.characters(codec="utf-8"),
    ),
    max_size=30,
).map("".join)


@pytest.mark.parametrize(
    ("markup", "slack", "text"),
    [
        (
            "**コマンド**\n• `/kiun help` — 使い方",
            "*コマンド*\n• `/kiun help` — 使い方",
            "コマンド\n• /kiun help — 使い方",
        ),
        ("**太字**です、_斜体_です", "*太字*です、_斜体_です", "太字です、斜体です"),
        (
            "2*3*4 と snake_case_name と a * b * c",
            "2*3*4 と snake_case_name と a * b * c",
            "2*3*4 と snake_case_name と a * b * c",
        ),
        (
            "[ICT活用ビジョン](https://x.jp/p) と [https://x.jp](https://x.jp)",
            "<https://x.jp/p|ICT活用ビジョン> と <https://x.jp|https://x.jp>",
            "ICT活用ビジョン (https://x.jp/p) と https://x.jp",
        ),
        ("<person:U123> さん、<channel:C9> へ", "<@U123> さん、<#C9> へ", "@U123 さん、#C9 へ"),
        ("- 一つ目\n- 二つ目\n> 引用です", "• 一つ目\n• 二つ目\n> 引用です", "• 一つ目\n• 二つ目\n> 引用です"),
        ("`preview <ID>` & <ID>", "`preview &lt;ID&gt;` &amp; &lt;ID&gt;", "preview <ID> & <ID>"),
        ("**[太字の](https://x.jp)リンク**", "*<https://x.jp|太字の>リンク*", "太字の (https://x.jp)リンク"),
        (
            "[ラベル](javascript:alert(1)) <person:U 1> <!here>",
            "[ラベル](javascript:alert(1)) &lt;person:U 1&gt; &lt;!here&gt;",
            "[ラベル](javascript:alert(1)) <person:U 1> <!here>",
        ),
    ],
)
def test_rendered_on_slack_and_as_plain_text(markup: str, slack: str, text: str) -> None:
    assert mrkdwn(markup) == slack
    assert plain(markup) == text


def test_tokens_and_links_are_built_by_functions() -> None:
    assert mrkdwn(f"{person('U1')}・{channel('C_IDEAS')}") == "<@U1>・<#C_IDEAS>"
    assert mrkdwn(person("29:1a-B_c")) == "<@29:1a-B_c>"  # a Teams-shaped id is one token too
    for bad in ("", "U1 x", "U1>", "<U1", "U\\1"):
        with pytest.raises(ValueError):
            person(bad)
    assert mrkdwn(link("https://x.jp/a b|c(d)&e", "資料 <1>")) == "<https://x.jp/a%20b%7Cc%28d%29&amp;e|資料 &lt;1&gt;>"
    assert plain(link("https://x.jp/a b", "資料 <1>")) == "資料 <1> (https://x.jp/a%20b)"
    assert link("javascript:alert(1)", "**押して**") == literal("**押して**")  # not http(s): the label alone
    assert plain(link("ftp://x.jp", "押して")) == "押して"


def test_literal_text_keeps_its_characters_and_is_no_markup() -> None:
    typed = "**太字** _斜体_ `code` [x](https://e.jp) <person:U1>\n- 項目\n> 引用 \\ 終わり"
    assert plain(literal(typed)) == typed
    assert mrkdwn(literal(typed)) == (
        "**太字** _斜体_ `code` [x](https://e.jp) &lt;person:U1&gt;\n- 項目\n&gt; 引用 \\ 終わり"
    )
    assert mrkdwn(f"**{literal('*x*')}**") == "**x**"  # typed markers inside kiun's bold stay text
    assert plain(f"`{literal('a`b')}`") == "a`b"  # a typed backtick does not end kiun's code span


@given(hostile)
@example("<!channel> & <@U123> <https://evil.example|銀行>")
@example("&lt;!channel&gt;")
@example("\\<!here>")
def test_any_typed_text_renders_as_typed_and_never_as_a_mention_or_link(typed: str) -> None:
    assert plain(literal(typed)) == typed
    for shown in (literal(typed), f"**{literal(typed)}** — {literal(typed)}", f"- {literal(typed)}"):
        slack = mrkdwn(shown)
        assert not re.search(r"<[!@#]|<https?:|<mailto:", slack), slack
        assert "<" not in slack and ">" not in slack  # kiun added no token, so no entity opens at all
    assert mrkdwn(f"{person('U1')} {literal(typed)}").startswith("<@U1> ")
