"""The second search stage: term weights by class, and re-ranking BM25's candidates by how a passage answers."""

from __future__ import annotations

import pytest

from bot.app.core import Core
from bot.features.qa import rerank
from bot.features.qa.index import bm25, query_weights
from bot.features.qa.ingest import add_bytes
from bot.features.qa.search import search

# Both hold the question's words; only ANSWER says, in one sentence, that 住民票 can be reserved at the 窓口.
# SCATTERED is short and repeats the words in separate sentences, which BM25 alone prefers.
ANSWER = (
    "市民課のご案内\n転入や転出の届出は市民課で受け付けます。住民票は市民課の窓口で予約できます。"
    "受け取りは平日の八時半から五時までです。印鑑登録証明書も同じ窓口で交付します。"
)
SCATTERED = "住民票は郵送で請求できます。窓口で相談できます。会議室の予約できます。住民票は。窓口で。予約で。"
FILLER = [f"{place}は駅前にあります。毎日利用できます。" for place in ("図書館", "公園", "体育館", "美術館", "保育園")]
QUESTION = "住民票は窓口で予約できますか"


def _index(core: Core, *texts: str) -> None:
    for i, body in enumerate(texts):
        add_bytes(core, f"docs/{i}.txt", body.encode("utf-8"))


def test_the_passage_that_answers_in_one_sentence_outranks_scattered_repeats(core: Core) -> None:
    _index(core, SCATTERED, ANSWER, *FILLER)
    with core.sessions() as session:
        weights = query_weights(session, QUESTION)
        by_bm25 = bm25(session, weights)
        reranked = rerank.search(session, QUESTION)
        assert by_bm25[0][0] != reranked[0][0]  # the re-ranker changed BM25's order
    assert search(core, QUESTION, 1)[0].source == "docs/1.txt"


def test_question_words_weigh_nothing_and_particles_less(core: Core) -> None:
    _index(core, "図書館は1990年に開館しました。", "何年も前からある公園です。")
    with core.sessions() as session:
        weights = query_weights(session, "図書館は何年に開館しましたか")
    assert not any("何" in term for term in weights)
    assert weights["図書"] > weights["館は"] > weights["した"] > 0  # word > particle-joined > all hiragana


def test_features_measure_sentences_coverage_and_longest_match() -> None:
    weights = {"住民": 2.0, "民票": 2.0, "窓口": 1.0, "~予": 1.0}
    passages = {1: "住民票の交付！窓口は二階です。", 2: "住民\n票。", 3: "住民票の交付\n窓口は二階"}
    found = dict(rerank.features("住民票の窓口", weights, [(1, 8.0), (2, 2.0), (3, 4.0)], passages))
    bm25_share, best_sentence, coverage, kanji, longest, _ = found[1]
    assert (bm25_share, best_sentence, coverage, kanji) == (1.0, 0.8, 1.0, 0.0)  # ！ ends a sentence
    assert longest == pytest.approx(4 / 6)  # 住民票の
    assert found[2][:3] == [0.25, 0.4, 0.4]  # 民票 is not in 住民⏎票
    assert found[3][1:3] == [0.8, 1.0]  # a line break ends a sentence too


def test_latin_words_match_only_whole() -> None:
    weights = {"ai": 1.0, "2025": 1.0}
    passages = {1: "Email details for 20250.", 2: "AI の利用は 2025 年から"}
    found = dict(rerank.features("AI 2025", weights, [(1, 1.0), (2, 1.0)], passages))
    assert found[1][2] == 0.0 and found[2][2] == 1.0


def test_a_deeper_limit_keeps_the_re_ranked_order_first(core: Core) -> None:
    _index(core, *(f"窓口{i}番の案内です。{'受付。' * (i % 4)}" for i in range(30)))
    with core.sessions() as session:
        top = rerank.search(session, "窓口の案内", 5)
        deep = rerank.search(session, "窓口の案内", 25)
    assert len(top) == 5 and len(deep) == 25 and deep[:5] == top
    assert [score for _, score in deep] == sorted((score for _, score in deep), reverse=True)
    first = [hit.chunk_id for hit in search(core, "窓口の案内", 5)]
    assert [hit.chunk_id for hit in search(core, "窓口の案内", 25)][:5] == first
