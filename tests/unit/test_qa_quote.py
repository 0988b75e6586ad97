"""The extractive answer quotes the sentence that answers: the question's words, its passage's heading, and
the kind of fact asked for."""

from __future__ import annotations

from bot.features.qa import quote
from bot.features.qa.answer import CONFIDENCE_THRESHOLD, answerable, extractive
from bot.features.qa.index import Hit


def hit(text: str, section: str = "", title: str = "文書", n: int = 1) -> Hit:
    return Hit(n, 1.0, f"doc{n}.txt", title, section, None, text)


NOTICE = hit(
    "エアコンを省エネ製品に買い換える世帯に補助金を交付します。\n受付期間：7月1日から12月26日まで\n"
    "補助額：購入費の2分の1（上限5万円）\n件数：先着400件\n問合せ：環境政策課 電話 0000-22-2222",
    "■ 省エネ家電買換え補助金の受付を開始します",
)


def test_a_notice_line_holding_the_kind_of_fact_asked_for_is_quoted_with_its_label() -> None:
    assert [c.sentence for c in quote.choose("省エネ家電補助は先着何件までですか", [NOTICE], 3)] == ["件数：先着400件"]
    [amount] = quote.choose("省エネ家電の補助額の上限はいくら？", [NOTICE], 1)
    assert amount.sentence == "補助額：購入費の2分の1（上限5万円）"
    assert quote.choose("補助の受付はいつまで？", [NOTICE], 1)[0].sentence == "受付期間：7月1日から12月26日まで"


def test_the_words_that_tell_sentences_apart_outweigh_the_topic_they_share() -> None:
    rule = hit(
        "テレワークは、週2日まで実施することができる。\n"
        "２　前項の規定にかかわらず、育児または介護を行う職員は、週4日まで実施できる。\n"
        "３　所属長は、業務の状況により、前2項の日数を減ずることができる。",
        "第4条（実施日数）",
    )
    [best] = quote.choose("介護をしている職員はテレワークを週何日までできますか", [rule], 1)
    assert "週4日まで" in best.sentence


def test_a_faq_question_line_is_not_the_answer_but_lends_its_words_to_the_answer_below() -> None:
    faq = hit(
        "Q. 出張先で公共Wi-Fiを使ってもよいですか。\nA. 公共Wi-Fiへの接続は禁止しています。\n"
        "Q. パスワードの有効期限はありますか。\nA. 有効期限は設けていません。ただし、12文字以上にしてください。"
    )
    [wifi] = quote.choose("出張先で公共Wi-Fiを使ってもよいですか", [faq], 1)
    assert wifi.sentence == "A. 公共Wi-Fiへの接続は禁止しています。"
    assert "12文字以上" in quote.choose("パスワードは何文字以上必要ですか", [faq], 1)[0].sentence


def test_sentences_do_not_end_inside_brackets_and_a_rules_items_come_with_it() -> None:
    assert quote.sentences("この規程は、職員（以下「職員」という。）に適用する。次へ。") == [
        "この規程は、職員（以下「職員」という。）に適用する。",
        "次へ。",
    ]
    rule = hit(
        "職員は、次に掲げる事項を遵守しなければならない。\n一　公衆無線LANに接続しないこと。\n二　画面を見せないこと。"
    )
    answer = extractive("職員が遵守しなければならない事項は", [rule], "ja")
    assert "> 一　公衆無線LANに接続しないこと。\n> 二　画面を見せないこと。" in answer.text


def test_a_table_row_is_quoted_whole() -> None:
    fees = hit("証明書: 住民票の写し / 手数料: 300円\n証明書: 戸籍謄本 / 手数料: 450円", "証明書手数料")
    [best] = quote.choose("戸籍謄本の手数料はいくらですか", [fees], 1)
    assert best.sentence == "証明書: 戸籍謄本 / 手数料: 450円"


def test_answer_types_from_the_question() -> None:
    assert quote.answer_types("天気の話") == []
    [amount] = quote.answer_types("いくらですか")
    assert amount.search("300円") and not amount.search("300人")
    assert any(hold.search("3日分") for hold in quote.answer_types("何日分ありますか"))


def test_confidence_is_low_when_no_sentence_holds_the_fact_asked_for() -> None:
    library = hit("蔵書点検のため、中央図書館を休館します。\n休館中の返却は、ブックポストをご利用ください。", "■ 休館")
    asked_count = answerable("図書館の本は何冊まで借りられますか", [library], coverage=1.0)
    asked_where = answerable("図書館の休館中、本はどこに返せばいいですか", [library], coverage=1.0)
    assert asked_count < asked_where
    assert quote.best_share("図書館の本は何冊まで借りられますか", []) == 0.0


def test_a_number_with_another_counter_is_not_the_fact_asked_for() -> None:
    holds = quote.answer_types("電子証明書の更新には何分かかりますか")
    assert not any(hold.search("有効期限の3か月前から更新できます。") for hold in holds)
    assert any(hold.search("更新は約30分です。") for hold in holds)
    assert any(hold.search("審査には3営業日かかる。") for hold in quote.answer_types("審査は何日かかりますか"))
    assert any(hold.search("DX推進リーダーを1名置く。") for hold in quote.answer_types("何人置きますか"))


def test_the_same_quoted_line_must_hold_the_fact_asked_for_and_the_questions_own_words() -> None:
    garbage = hit(
        "申込は収集日の1週間前までに、粗大ごみ受付センターへ。\n手数料：1点につき400円（粗大ごみ処理券を貼ってください）",
        "■ 粗大ごみの収集日が変わります",
    )
    # The place line names no 処理券; the line with 処理券 names no place.
    where_bought = answerable("粗大ごみ処理券はどこで買えますか", [garbage], 1.0)
    assert where_bought < answerable("粗大ごみの申込はどこにしますか", [garbage], 1.0)
    assert where_bought < answerable("粗大ごみ処理券はいくらですか", [garbage], 1.0)
    allowance = hit("市は、テレワーク手当として、在宅型テレワーク1日につき200円を支給する。", "第9条（費用負担）")
    assert answerable("テレワーク手当はいつ支給されますか", [allowance], 1.0) < CONFIDENCE_THRESHOLD
    assert answerable("テレワーク手当はいくらですか", [allowance], 1.0) >= CONFIDENCE_THRESHOLD


def test_a_line_from_an_article_on_another_topic_does_not_answer_a_question_on_this_one() -> None:
    lecture = hit("日時：8月2日（土）午後2時から\n場所：市民会館 大ホール\n定員：300人（申込順）", "■ 防災講演会")
    pool = hit("日時：7月19日から8月31日\n場所：市民運動公園プール\n費用：大人300円", "■ 市民プールの開設", n=2)
    # 定員 is only in the lecture's article: 「市民プールの定員」 is not answered by it
    other_topic = answerable("市民プールの定員は何人ですか", [lecture, pool], 1.0)
    same_topic = answerable("防災講演会の定員は何人ですか", [lecture, pool], 1.0)
    assert other_topic < CONFIDENCE_THRESHOLD <= same_topic
    # a topic the passage names inside a longer word (講演会 in 防災講演会) is named
    assert answerable("講演会の定員は何人ですか", [lecture], 1.0) >= CONFIDENCE_THRESHOLD


def test_the_quoted_line_holding_the_fact_must_be_about_what_the_question_asks_about() -> None:
    checkup = hit(
        "国民健康保険加入者の特定健診は、11月30日までに受けてください。\n費用：無料（受診券が必要です）",
        "■ 特定健診の受診期限",
    )
    assert quote.subject("特定健診の受診券はいつ届きますか") == "受診券"
    assert quote.subject("住民票の写しの手数料はいくらですか") == ""  # 手数料 asks for the fact
    # the date line is about 特定健診, not its 受診券
    assert answerable("特定健診の受診券はいつ届きますか", [checkup], 1.0) < CONFIDENCE_THRESHOLD
    assert answerable("特定健診はいつまでに受ける必要がありますか", [checkup], 1.0) >= CONFIDENCE_THRESHOLD


def test_a_topic_written_with_hiragana_is_checked_when_the_documents_write_it_so() -> None:
    appliances = hit("中古品やネットオークションで購入した製品は対象外です。", "5. 注意事項", "省エネ家電補助金")
    composters = hit("生ごみ処理機を購入した者に補助する。", "第2条（補助対象者）", "生ごみ処理機補助要領", n=2)
    # 生ごみ処理機 is another subsidy's: the 省エネ notice's 中古品 line does not answer
    question = "生ごみ処理機の補助は中古品でも対象ですか"
    assert answerable(question, [appliances, composters], 1.0) < answerable(
        "省エネ家電の補助は中古品でも対象ですか", [appliances, composters], 1.0
    )
    assert answerable(question, [appliances, composters], 1.0) < CONFIDENCE_THRESHOLD


def test_a_line_matching_only_by_its_heading_answers_only_with_the_fact_asked_for() -> None:
    workshop = hit("日時：7月26日（土）午前10時から正午\n場所：中央公民館 工作室", "■ 夏休み親子工作教室")
    # 持ち物 is in no line: a line of the article is not an answer to it
    assert not [c for c in quote.candidates("夏休み親子工作教室の持ち物は何ですか", [workshop]) if "日時" in c.sentence]
    assert quote.choose("夏休み親子工作教室はいつですか", [workshop], 1)[0].sentence.startswith("日時")
    # a date in a document's preamble does not answer いつ by the document's title alone
    rule = hit("令和4年3月25日 環境部長決裁", "", "生ごみ処理機購入費補助金交付要領")
    assert quote.choose("生ごみ処理機の補助金はいつ振り込まれますか", [rule], 1) == []


def test_a_length_of_time_is_not_a_point_in_time_and_te_yoi_asks_for_a_rule() -> None:
    [when] = quote.answer_types("補助金はいつ振り込まれますか")
    assert not when.search("交付を受けた日から5年間") and when.search("交付決定の翌月末まで")
    [rule] = quote.answer_types("生成AIの出力はそのまま使ってよいですか")
    assert rule.search("出力の内容を必ず確認してから使ってください。")
