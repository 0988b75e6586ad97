"""The console demo: the bundled sample documents are indexed on the first question, then answers follow."""

from __future__ import annotations

from bot.app.core import Core
from bot.features.qa.ingest import documents
from tests.unit.test_console_dialog import converse


def test_console_answers_from_the_sample_documents_out_of_the_box(core: Core) -> None:
    assert documents(core) == []
    converse(
        core,
        [
            ("こんにちは", "DXについての質問を書いていただければ"),
            ("生成AIに個人情報を入力してもよいですか", "市の文書から関係する記述を引用します"),
            (None, "生成AIには、次の情報を入力してはいけません。 ["),
            (None, "出典\n"),
            (None, "] みなと川市 生成AI利用ガイドライン — 3. 入力してはいけない情報"),
            (None, "[1] 👍 役に立った\n[2] 👎 役に立たなかった"),
            ("2", "DX推進係が文書の改善に役立てます。"),
            ("/ask 給食の献立を教えてください", "見つかりませんでした"),
            ("/ask 私の電話は03-1234-5678です", "個人情報（電話番号）"),
        ],
    )
    assert len(documents(core)) == 5
