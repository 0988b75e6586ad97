"""Ideas in ``kiun console``: the form with errors re-asked, quick ideas, listing, voting and (as admin) status."""

from __future__ import annotations

import io

from bot.app.core import Core
from bot.features import build_router
from bot.features.ideas import store
from bot.features.ideas.rules import IdeaFields
from bot.platforms.console import run_console


def chat(core: Core, lines: list[str], user: str = "U_STAFF", admin: bool = False) -> str:
    stdout = io.StringIO()
    stdin = io.StringIO("".join(f"{line}\n" for line in lines))
    run_console(core, build_router(), user, admin, stdin=stdin, stdout=stdout)
    return stdout.getvalue()


def test_form_reasks_wrong_fields_and_keeps_the_rest(core: Core) -> None:
    output = chat(
        core,
        [
            "/idea",
            "会議資料をペーパーレスにする",  # title
            "毎週200枚を印刷しています。",  # problem (multiline: an empty line ends it)
            "",
            "タブレットで配布します。",  # proposal
            "",
            "",  # effect (optional)
            "99999",  # hours: out of range, asked again after submitting
            "1",  # department: 総務部
            "1",  # category: ペーパーレス
            "n",  # anonymous
            "6",  # hours again
        ],
    )
    assert "【業務改善アイデア】" in output and "匿名にすると" in output
    assert "0から10000までの整数" in output
    assert "提案 #1「会議資料をペーパーレスにする」を受け付けました" in output
    [idea] = store.list_ideas(core, "new", "", 1, "U_STAFF").rows
    assert (idea[0].hours_saved, idea[0].department, idea[0].category, idea[0].problem) == (
        6,
        "somu",
        "paperless",
        "毎週200枚を印刷しています。",
    )


def test_quick_idea_list_vote_and_admin_status_change(core: Core) -> None:
    store.create_idea(core, "U_A", IdeaFields(title="窓口の予約をオンラインに", proposal="予約システムを使います。"))
    output = chat(core, ["/ideas", "1", "1"], user="U_B")  # list → details of #1 → vote
    assert "新着の提案（1件・1/1ページ）" in output and "[1] #1 の詳細" in output
    assert "#1「窓口の予約をオンラインに」に投票しました（現在 1票）" in output
    refused = chat(core, ["/ideas 1"], user="U_B")
    assert "ステータスを変更" not in refused
    admin = chat(core, ["/ideas 1", "2", "1", "住民の利便性が高いため検討します。", ""], user="U_ADMIN", admin=True)
    assert "[1] 検討中" in admin
    assert "#1 のステータスを「受付」から「検討中」に変更しました" in admin
    assert store.detail(core, 1, "U_B").idea.status == "reviewing"


def test_champions_are_named_by_their_console_id(core: Core) -> None:
    output = chat(
        core,
        [
            "/kiun admin champion add U_CHAMP 総務部",
            "/kiun admin champion add @U_CHAMP 総務部",
            "/kiun admin champion add 総務部の人 総務部",
        ],
        user="U_ADMIN",
        admin=True,
    )
    assert "U_CHAMP さんを総務部のDX推進リーダーに登録しました" in output
    assert "U_CHAMP さんはすでに総務部のDX推進リーダーです" in output
    assert "「総務部の人」はメンバーIDとして読み取れませんでした" in output
    with core.sessions() as session:
        assert store.is_champion(session, "U_CHAMP", "somu") and not store.is_champion(session, "U_CHAMP", "keizai")
