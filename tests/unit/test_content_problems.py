"""Content problems in Japanese (bot/content/problems.py): every kind of problem in a broken lesson, curriculum,
fact, data table, poll template and synonym list is worded in Japanese with its file and line; every problem carries
a catalogue key, its English is the checker's own, and every key in code is in the catalogue."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest
from pydantic import field_validator

import bot
from bot.chat.i18n import catalogue
from bot.cli import main
from bot.common.content_files import ContentModel, Message, display_path, parse_yaml, validate
from bot.content.problems import PREFIX, describe, message
from bot.features.content.checks import check_all
from tests.content_fixtures import FACT, LESSON, write_content

POLL = """title: テストのアンケート
questions:
  - id: relevance
    type: likert5
    text: DXは自分の仕事に関係がある
    core: true
  - id: department
    type: choice
    text: 所属
    options: [総務課, 企画課]
    breakdown: true
"""
SYNONYMS = "groups:\n  - [マイナンバー, 個人番号]\n  - [窓口, カウンター]\n"

LESSON_1 = "lessons/01-first.md"
CURRICULUM = "lessons/curriculum.yml"
FACT_1 = "facts/01-fact-one.yml"
TABLE = "data/projection.csv"
POLL_1 = "polls/pulse.yml"
SYNONYMS_FILE = "qa/synonyms.yml"
CHART_DATA = "  data: projection.csv\n  x: year\n  series:\n    総人口: total\n"
FACT_1_TEXT = FACT.format(id="fact-one", text="事実です。")
WIDE = "data/wide.csv"
WIDE_TABLE = "# source: 出典\n# note: 人口\ncode,name,2020,2035\n20218,千曲市,59000,49000\n"

Change = tuple[str, str] | str | bytes | None  # replace once | whole text | whole bytes | delete


@dataclass(frozen=True)
class Case:
    key: str
    file: str  # where the problem is
    changes: dict[str, Change]
    at: int | str  # its line, or a fragment of its line
    ja: str  # "{root}" stands for the content folder


CASES = [
    # the front matter of a lesson: the generic messages
    Case("missing", LESSON_1, {LESSON_1: ("title: レッスン1\n", "")}, 2,
         "'title' がありません。'title' の行を書き足してください。"),
    Case("unknown_key", LESSON_1, {LESSON_1: ("minutes: 3\n", "minutes: 3\ncolour: red\n")}, "colour",
         "'colour' という項目は使えません。綴りを確認してください"
         "（使える項目: id, level, minutes, quiz, sources, tags, title）。"),
    Case("mapping", LESSON_1, {LESSON_1: ("  - name: テスト出典\n    url: https://example.org/\n", "  - テスト出典\n")},
         "- テスト出典", "'sources' の各項目 は「項目名: 値」の行で書いてください。"),
    Case("list", LESSON_1, {LESSON_1: ("tags: [テスト]", "tags: テスト")}, "tags:",
         "'tags' は「- 項目」の行を並べて書いてください。"),
    Case("empty_text", LESSON_1, {LESSON_1: ("title: レッスン1", "title: ''")}, "title:",
         "'title' が空です。文字を書いてください。"),
    Case("text_not_number", LESSON_1, {LESSON_1: ("title: レッスン1", "title: 2035")}, "title:",
         "'title' は文字で書いてください（数字だけのときは '2035' のように引用符で囲んでください）。"),
    Case("text", LESSON_1, {LESSON_1: ("title: レッスン1", "title: [a, b]")}, "title:",
         "'title' は文字で書いてください。"),
    Case("text_too_long", LESSON_1, {LESSON_1: ("title: レッスン1", "title: " + "長" * 61)}, "title:",
         "'title' が61文字あります。60文字以内に短くしてください。"),
    Case("too_few_one", LESSON_1, {LESSON_1: ("tags: [テスト]", "tags: []")}, "tags:",
         "'tags' に項目がありません。少なくとも1つ書いてください。"),
    Case("whole_number_range", LESSON_1, {LESSON_1: ("level: 1", "level: 5")}, "level:",
         "'level' は1から3までの整数で書いてください。"),
    Case("yaml_syntax", LESSON_1, {LESSON_1: ("tags: [テスト]", "tags: [テスト")}, 5,
         "YAMLの書き方に誤りがあります（while parsing a flow sequence expected ',' or ']', but got ':'）。"
         "字下げ、「:」や「-」、かっこや引用符の閉じ忘れを確認してください。"),
    Case("yaml_duplicate_key", LESSON_1, {LESSON_1: ("level: 1\n", "level: 1\nlevel: 2\n")}, 6,
         "'level' が2回書かれています（最初は5行目）。1つにまとめてください。"),
    Case("front_matter_start", LESSON_1, {LESSON_1: "タイトルだけ\n"}, 1,
         "ファイルの1行目を '---' だけの行にして、その後にタイトルなどの設定を書いてください。"),
    Case("front_matter_open", LESSON_1, {LESSON_1: "---\nid: first\n"}, 1,
         "冒頭の設定が閉じていません。設定の後に '---' だけの行を加えてください。"),
    Case("mapping", LESSON_1, {LESSON_1: "---\n- a list\n---\n本文です。\n"}, 2,
         "ファイル冒頭の設定（--- の行で囲んだ部分） は「項目名: 値」の行で書いてください。"),
    # lessons and the curriculum
    Case("lesson_id", LESSON_1, {LESSON_1: ("id: first", "id: First")}, "id:",
         "'id' は英小文字・数字・「-」で2〜48文字にしてください（例: why-dx-now）。"),
    Case("lesson_body_empty", LESSON_1, {LESSON_1: ("レッスン1の本文です。\n", "")}, 19,
         "レッスンの本文がありません。2つ目の '---' の行の後に本文を書いてください。"),
    Case("lesson_body_long", LESSON_1, {LESSON_1: ("レッスン1の本文です。", "本" * 1201)}, 19,
         "レッスンの本文が1201文字あります。1200文字以内に短くしてください。"),
    Case("url", LESSON_1, {LESSON_1: ("url: https://", "url: ftp://")}, "url:",
         "'url' は https:// か http:// で始まるアドレスにしてください。"),
    Case("quiz_choices", LESSON_1, {LESSON_1: ("    - 選択肢C\n", "")}, "choices:",
         "'choices' が2つあります。クイズの選択肢は3つか4つにしてください。"),
    Case("quiz_same_choice", LESSON_1, {LESSON_1: ("    - 選択肢C", "    - 選択肢A")}, 12,
         "同じ選択肢が2回あります。それぞれ違う文にしてください。"),
    Case("quiz_answer", LESSON_1, {LESSON_1: ("answer: 選択肢B", "answer: 選択肢Z")}, "answer:",
         "'answer' が選択肢のどれとも一致しません。正解の選択肢と同じ文字を書いてください。"),
    Case("quiz_answer_number", LESSON_1, {LESSON_1: ("answer: 選択肢B", "answer: 2")}, "answer:",
         "'answer' が選択肢のどれとも一致しません（番号ではなく選択肢の文字を書いてください）。"),
    Case("duplicate_id", "lessons/03-copy.md", {"lessons/03-copy.md": LESSON.format(id="first", title="コピー")}, 2,
         "id 'first' はすでに 01-first.md で使われています。別の id にしてください。"),
    Case("curriculum_missing", CURRICULUM, {CURRICULUM: None}, 1,
         "curriculum.yml がありません。'order:' の下にレッスンの id を配信する順に並べてください。"),
    Case("curriculum_twice", CURRICULUM, {CURRICULUM: "order:\n  - first\n  - second\n  - first\n"}, 4,
         "レッスン 'first' が2回並んでいます。1回だけにしてください。"),
    Case("curriculum_unknown", CURRICULUM, {CURRICULUM: "order:\n  - first\n  - second\n  - third\n"}, 4,
         "id が 'third' のレッスンはありません。id の綴りを確認するか、この行を消してください。"),
    Case("curriculum_unlisted", "lessons/02-second.md", {CURRICULUM: "order:\n  - first\n"}, 2,
         "レッスン 'second' が curriculum.yml にないため、ほかのレッスンの後に配信されます。"
         "順番を決めるには curriculum.yml の 'order:' に加えてください。"),
    Case("mapping", CURRICULUM, {CURRICULUM: "- first\n"}, 1,
         "curriculum.yml は「項目名: 値」の行で書いてください。"),
    # facts and their charts
    Case("fact_id", FACT_1, {FACT_1: ("id: fact-one", "id: Fact One")}, 1,
         "'id' は英小文字・数字・「-」で2〜48文字にしてください。"),
    Case("fact_value", FACT_1, {FACT_1: ("value: 17", "value: [17]")}, 3,
         "'value' には数値か短い文字を書いてください。"),
    Case("chart_type", FACT_1, {FACT_1: ("type: line", "type: pie")}, "type:",
         "'type' は line（折れ線グラフ）か bar（棒グラフ）にしてください。"),
    Case("chart_no_data", FACT_1, {FACT_1: (CHART_DATA, "")}, "type:",
         "グラフのデータがありません。'data'（データ表のCSVファイル名）か、'labels' と 'values' を書いてください。"),
    Case("chart_no_values", FACT_1, {FACT_1: (CHART_DATA, "  labels: [2020, 2035]\n")}, "labels:",
         "'values' がありません。'labels' の1つごとに数値を1つ書いてください。"),
    Case("chart_values", FACT_1, {FACT_1: (CHART_DATA, "  labels: [2020, 2035]\n  values: [100]\n")}, "values:",
         "'values' の数値が1個ですが、'labels' は2個です。数をそろえてください。"),
    Case("number", FACT_1, {FACT_1: (CHART_DATA, "  labels: [2020, 2035]\n  values: [100, 高い]\n")}, "values:",
         "'values' の各項目 は数値で書いてください。"),
    Case("chart_bar_series", FACT_1,
         {FACT_1: ("type: line\n  title: 人口の見込み（指数）\n  data: projection.csv\n  x: year\n  series:\n"
                   "    総人口: total\n",
                   "type: bar\n  title: 人口の見込み（指数）\n  data: projection.csv\n  x: year\n  series:\n"
                   "    総人口: total\n    年少人口: total\n")},
         "総人口", "棒グラフ（bar）に描けるのは1系列だけです。複数の系列は type: line にしてください。"),
    Case("chart_data_missing", FACT_1, {FACT_1: ("data: projection.csv", "data: nothing.csv")}, "data:",
         "データ表 'nothing.csv' が見つかりません。ファイル名を確認するか、先にそのCSVを登録してください。"),
    Case("chart_data_broken", FACT_1,
         {FACT_1: ("data: projection.csv", "data: broken.csv"),
          "data/broken.csv": "# note: 指数\nyear,total\n2020,1\n"},
         "data:", "データ表 'broken.csv' に問題があります。先にデータ表を直してください: {root}/data/broken.csv:1: "
         "先頭に '# source: …'（または '# 出典：…'）の行を加えて、数値の出典を書いてください"
         "（Excel ならセル A1 に書けます）。"),
    Case("chart_x", FACT_1, {FACT_1: ("x: year", "x: nendo")}, "x:",
         "'x' には projection.csv の列の名前を書いてください（列: year, total）。"),
    Case("chart_series", FACT_1, {FACT_1: ("  series:\n    総人口: total\n", "  series: {}\n")}, "series:",
         "'series' には「凡例の名前: 列の名前」を書いてください（例: {総人口: total}）。"),
    Case("chart_column", FACT_1, {FACT_1: ("総人口: total", "総人口: people")}, "総人口",
         "列 'people' は projection.csv にありません。列の名前を確認してください。"),
    Case("cell_not_number", FACT_1, {TABLE: ("2035,83", "2035,多い")}, "総人口",
         "projection.csv の5行目、列 'total' の値 '多い' が数値ではありません。数字だけにしてください"
         "（「58,000」のようなカンマは使えます）。"),
    Case("cell_empty", FACT_1, {TABLE: ("2035,83", "2035,")}, "総人口",
         "projection.csv の5行目、列 'total' が空です。数値を入れるか、その行を消してください。"),
    Case("chart_rows_x", FACT_1, {FACT_1: ("  x: year\n", "  x: year\n  rows: year\n")}, "x:",
         "'x'（列ごとに1系列）と 'rows'（行ごとに1系列）は、どちらか一方だけを書いてください。"),
    Case("chart_rows", FACT_1, {FACT_1: ("  x: year\n", "  rows: code\n")}, "rows:",
         "'rows' には projection.csv の列の名前（各行の名前やコードの列）を書いてください（列: year, total）。"),
    Case("chart_rows_years", FACT_1, {FACT_1: ("  x: year\n", "  rows: year\n")}, "rows:",
         "projection.csv に年の列（2020、2020年 など）がありません。'rows' を使うときは、年ごとの列が必要です。"),
    Case("chart_rows_series", FACT_1,
         {FACT_1: ("  data: projection.csv\n  x: year\n  series:\n    総人口: total\n",
                   "  data: wide.csv\n  rows: code\n  series: {}\n"), WIDE: WIDE_TABLE}, "series:",
         "'series' には「凡例の名前: 行の名前」を書いてください（例: {総人口: '20218'}）。"),
    Case("chart_row", FACT_1,
         {FACT_1: ("  data: projection.csv\n  x: year\n  series:\n    総人口: total\n",
                   "  data: wide.csv\n  rows: code\n  series:\n    総人口: 20219\n"), WIDE: WIDE_TABLE}, "総人口",
         "wide.csv の列 'code' に '20219' の行がありません。市区町村コードや名前を確認してください。"),
    Case("table_url", TABLE, {TABLE: ("# note:", "# url: www.example.org\n# note:")}, 2,
         "'# url:' の行は https:// か http:// で始めてください。"),
    Case("fact_source", FACT_1, {FACT_1: FACT_1_TEXT.replace("source:\n  name: テスト出典 (2024)\n", "").replace(
                                     CHART_DATA, "  labels: [2020, 2035]\n  values: [100, 83]\n")}, 1,
         "'source' がありません。データの出典を書くか、グラフを出典（'# source:'）のあるデータ表から描いてください。"),
    Case("compute_chart", FACT_1, {FACT_1: FACT_1_TEXT.split("chart:")[0] + "compute: {}\n"}, "compute:",
         "'compute' はグラフの数値から計算します。'chart:' を加えてください。"),
    Case("compute_series", FACT_1, {FACT_1: FACT_1_TEXT + "compute:\n  series: 高齢者\n"}, "series: 高齢者",
         "'series' にはグラフの凡例の名前を書いてください（凡例: 総人口）。"),
    Case("compute_label", FACT_1, {FACT_1: FACT_1_TEXT + "compute:\n  to: 2050\n"}, "to: 2050",
         "'to' にはグラフの横軸の値を書いてください（横軸: 2020, 2035）。"),
    Case("compute_zero", FACT_1, {FACT_1: FACT_1_TEXT + "compute: {}\n", TABLE: ("2020,100", "2020,0")}, "compute:",
         "'2020' の値が0のため、増減の割合を計算できません。別の年を 'from' にしてください。"),
    Case("compute_none", FACT_1, {FACT_1: ("value: 17", "value: '約{percent}'")}, "value:",
         "'value' に 'percent' がありますが、'compute:' がありません。"
         "'compute:' を加えるか、数字を直接書いてください。"),
    Case("compute_placeholder", FACT_1,
         {FACT_1: FACT_1_TEXT.replace("text: 事実です。", "text: '{ratio}です。'") + "compute: {}\n"}, "text:",
         "'text' の 'ratio' は計算で埋められる名前ではありません（使える名前: from, to, from_value, to_value, "
         "difference, percent, direction, trend, per_ten）。"),
    Case("compute_braces", FACT_1,
         {FACT_1: FACT_1_TEXT.replace("text: 事実です。", "text: '{percent です。'") + "compute: {}\n"}, "text:",
         "'text' に、計算の名前（percent など）を囲む以外の '{' か '}' があります。"),
    Case("duplicate_id", "facts/02-copy.yml", {"facts/02-copy.yml": FACT.format(id="fact-one", text="写しです。")}, 1,
         "id 'fact-one' はすでに 01-fact-one.yml で使われています。別の id にしてください。"),
    Case("mapping", FACT_1, {FACT_1: "- a list\n"}, 1,
         "データのファイル は「項目名: 値」の行で書いてください。"),
    # data tables
    Case("table_source", TABLE, {TABLE: ("# source: テスト出典 (2024)\n", "")}, 1,
         "先頭に '# source: …'（または '# 出典：…'）の行を加えて、数値の出典を書いてください"
         "（Excel ならセル A1 に書けます）。"),
    Case("table_note", TABLE, {TABLE: ("# note: 例示用の指数です\n", "")}, 1,
         "先頭に '# note: …'（または '# 説明：…'）の行を加えて、何の数値かを書いてください。"),
    Case("table_no_header", TABLE, {TABLE: "# source: 出典\n# note: 指数\n"}, 1,
         "表に見出しの行がありません。'#' の行の後に、列の名前をカンマ区切りで書いてください。"),
    Case("table_columns", TABLE, {TABLE: ("year,total", "year,year")}, 3,
         "列の名前に空のものか重複があります。列ごとに違う名前を付けてください。"),
    Case("table_row", TABLE, {TABLE: ("2035,83", "2035,83,1")}, 5,
         "この行には値が3個ありますが、見出しの列は2個です。数をそろえてください。"),
    Case("table_no_rows", TABLE, {TABLE: "# source: 出典\n# note: 指数\nyear,total\n"}, 3,
         "表にデータの行がありません。見出しの行の下に数値の行を書いてください。"),
    Case("not_utf8", TABLE, {TABLE: "# source: 出典\n# note: 指数です\n".encode("cp932")}, 1,
         "文字コードが UTF-8 ではありません。UTF-8 で保存し直してください。"
         "Excel では保存の形式に「CSV UTF-8」を選びます。"),
    # poll templates
    Case("poll_file_name", "polls/Pulse Two.yml", {"polls/Pulse Two.yml": POLL}, 1,
         "ファイル名は英小文字・数字・「-」「_」で1〜32文字にしてください（ファイル名がアンケートの id になります）。"),
    Case("question_id", POLL_1, {POLL_1: ("id: relevance", "id: Relevance")}, 3,
         "'id' は英小文字・数字・「_」で1〜32文字にしてください。"),
    Case("question_type", POLL_1, {POLL_1: ("type: likert5", "type: stars")}, 4,
         "設問の種類 'stars' は使えません。likert5, enps, choice, text のどれかにしてください。"),
    Case("question_twice", POLL_1, {POLL_1: ("id: department", "id: relevance")}, 7,
         "設問の id 'relevance' が2回あります。別の id にしてください。"),
    Case("option", POLL_1, {POLL_1: ("options: [総務課, 企画課]", "options: [総務課, 'a:b']")}, 10,
         "選択肢ごとに value（32文字以内、「:」なし）と label（60文字以内）を書いてください。"),
    Case("option_twice", POLL_1, {POLL_1: ("options: [総務課, 企画課]", "options: [総務課, 総務課]")}, 10,
         "選択肢 '総務課' が2回あります。1回だけにしてください。"),
    Case("too_few", POLL_1, {POLL_1: ("options: [総務課, 企画課]", "options: [総務課]")}, 10,
         "'options' の項目が足りません。少なくとも2つ書いてください。"),
    Case("options_from", POLL_1, {POLL_1: ("options: [総務課, 企画課]", "options_from: teams")}, 10,
         "'options_from' に書けるのは departments だけです。"),
    Case("departments", POLL_1, {POLL_1: ("options: [総務課, 企画課]", "options_from: departments")}, 10,
         "部署の一覧（departments.yml）を読み込めません。先に departments.yml を直してください"
         "（{root}/departments.yml: cannot read the department list (No such file or directory)）。"),
    Case("choice_options", POLL_1, {POLL_1: ("    options: [総務課, 企画課]\n", "")}, 7,
         "type: choice の設問には options（2つ以上）か options_from を書いてください。"),
    Case("options_not_choice", POLL_1, {POLL_1: ("    core: true\n", "    options: [A, B]\n")}, 6,
         "選択肢（options, options_from）を書けるのは type: choice の設問だけです。"),
    Case("core", POLL_1, {POLL_1: ("    breakdown: true\n", "    breakdown: true\n    core: true\n")}, 12,
         "core: true にできるのは likert5 と enps の設問だけです（機運指数の推移に使います）。"),
    Case("breakdown", POLL_1, {POLL_1: ("    core: true\n", "    breakdown: true\n")}, 6,
         "breakdown: true にできるのは choice の設問だけです（例: 所属部署）。"),
    Case("breakdown_twice", POLL_1,
         {POLL_1: POLL + "  - id: area\n    type: choice\n    text: 地域\n    options: [北, 南]\n"
                         "    breakdown: true\n"},
         2, "breakdown: true にできる設問は1つだけです。"),
    Case("true_false", POLL_1, {POLL_1: POLL + "anonymous: maybe\n"}, "anonymous:",
         "'anonymous' は true（はい）か false（いいえ）で書いてください。"),
    Case("date", POLL_1, {POLL_1: POLL + "schedule:\n  every_n_weeks: 2\n  start: soon\n"}, "start:",
         "'start' は 2026-01-05 のような日付で書いてください。"),
    Case("mapping", POLL_1, {POLL_1: "- a list\n"}, 1,
         "アンケートのひな形 は「項目名: 値」の行で書いてください。"),
    # the synonym list
    Case("synonym_short", SYNONYMS_FILE, {SYNONYMS_FILE: ("[窓口, カウンター]", "[窓口, 課]")}, 3,
         "「課」は短すぎます。2文字以上にしてください。"),
    Case("synonym_twice", SYNONYMS_FILE, {SYNONYMS_FILE: ("[窓口, カウンター]", "[窓口, 個人番号]")}, 3,
         "「個人番号」はすでに1番目のグループにあります。1つの言葉は1つのグループにだけ入れてください。"),
    Case("too_many", SYNONYMS_FILE,
         {SYNONYMS_FILE: ("[窓口, カウンター]", "[" + ", ".join(f"窓口{n:02d}" for n in range(13)) + "]")}, 3,
         "'groups' の各項目 が13件あります。12件以内にしてください。"),
    Case("mapping", SYNONYMS_FILE, {SYNONYMS_FILE: "- a list\n"}, 1,
         "同義語の一覧 は「項目名: 値」の行で書いてください。"),
]  # fmt: skip


def content(root: Path) -> Path:
    """A valid content folder: two lessons, a fact with its table, a poll template and a synonym list."""
    write_content(root, ["first", "second"], ["fact-one"])
    for name, text in ((POLL_1, POLL), (SYNONYMS_FILE, SYNONYMS)):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def apply(root: Path, changes: dict[str, Change]) -> None:
    for name, change in changes.items():
        path = root / name
        if change is None:
            path.unlink()
        elif isinstance(change, bytes):
            path.write_bytes(change)
        elif isinstance(change, str):
            path.write_text(change, encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
            assert change[0] in text, change[0]
            path.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")


def line_of(path: Path, fragment: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if fragment in line)


def test_the_test_content_is_valid(tmp_path: Path) -> None:
    assert check_all(content(tmp_path)) == []


@pytest.mark.parametrize("case", CASES, ids=[f"{case.key}-{n}" for n, case in enumerate(CASES)])
def test_each_problem_is_worded_in_japanese_with_file_and_line(tmp_path: Path, case: Case) -> None:
    root = content(tmp_path)
    apply(root, case.changes)
    problems = check_all(root)
    file = root / case.file
    line = case.at if isinstance(case.at, int) else line_of(file, case.at)
    expected = f"{display_path(file)}:{line}: {case.ja.replace('{root}', str(root))}"
    assert expected in [describe(problem, "ja") for problem in problems if problem.key == case.key], [
        describe(problem, "ja") for problem in problems
    ]
    for problem in problems:  # every problem found on the way is worded too, and its English is the checker's
        assert problem.key, problem
        assert describe(problem, "en") == str(problem)
        assert message(problem, "ja") != problem.message


def test_the_file_is_shown_as_given(tmp_path: Path) -> None:
    root = content(tmp_path)
    apply(root, {LESSON_1: ("level: 1", "level: 5")})
    [problem] = check_all(root)
    assert describe(problem, "ja", file="01-first.md") == "01-first.md:5: 'level' は1から3までの整数で書いてください。"
    assert describe(problem, "en", file="01-first.md") == "01-first.md:5: 'level' must be a whole number from 1 to 3"


class Sample(ContentModel):
    """A model for the generic messages no content file reaches today."""

    count: int = 0
    kind: Literal["a", "b"] = "a"
    code: str = ""

    @field_validator("code")
    @classmethod
    def _code(cls, code: str) -> str:
        if code != code.upper():
            raise ValueError("{key} must be upper case")  # a validator that does not word its problem
        return code


SAMPLE = [
    ("count: many\n", "whole_number", "'count' は整数で書いてください。"),
    ("kind: c\n", "other", "'kind' の書き方に誤りがあります（Input should be 'a' or 'b'）。"),
]


@pytest.mark.parametrize(("text", "key", "ja"), SAMPLE)
def test_generic_messages_of_other_models(text: str, key: str, ja: str) -> None:
    file = Path("sample.yml")
    [problem] = validate(Sample, parse_yaml(text, file), file, Message("what_fact", "a fact file"))[1]
    assert (problem.key, describe(problem, "ja")) == (key, f"sample.yml:1: {ja}")
    assert describe(problem, "en") == str(problem)


def test_a_problem_without_a_key_is_shown_in_english() -> None:
    file = Path("sample.yml")
    [problem] = validate(Sample, parse_yaml("code: abc\n", file), file, Message("what_fact", "a fact file"))[1]
    assert problem.key == "" and describe(problem, "ja") == "sample.yml:1: 'code' must be upper case"


def test_content_check_in_japanese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = content(tmp_path / "content")
    assert main(["content", "check", "--dir", str(root), "--lang", "ja"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith(f"kiun: {root} のコンテンツに問題はありません（")
    apply(root, {LESSON_1: ("level: 1", "level: 5")})
    assert main(["content", "check", "--dir", str(root), "--lang", "ja"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{root / LESSON_1}:5: 'level' は1から3までの整数で書いてください。",
        f"kiun: {root} の1ファイルに1件の問題があります。",
    ]
    assert main(["content", "check", "--dir", str(root)]) == 1  # English by default, as scripts expect
    assert capsys.readouterr().out.splitlines()[0] == f"{root / LESSON_1}:5: 'level' must be a whole number from 1 to 3"
    assert main(["content", "check", "--dir", str(tmp_path / "nowhere"), "--lang", "ja"]) == 1
    assert capsys.readouterr().out.strip() == f"kiun: コンテンツのフォルダーが見つかりません: {tmp_path / 'nowhere'}"


def messages_in_code() -> dict[str, str]:
    """Every ``Message(key, english, …)`` written in bot/ with its English text."""
    found: dict[str, str] = {}
    for path in sorted(Path(bot.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Message" and node.args:
                key = node.args[0]
                if isinstance(key, ast.Constant) and key.value:
                    english = node.args[1]
                    assert isinstance(english, ast.Constant), f"{path}:{node.lineno}: write the English as a literal"
                    assert found.setdefault(key.value, english.value) == english.value, f"{path}:{node.lineno}"
    return found


def test_every_message_in_code_is_in_the_catalogue_with_its_english() -> None:
    entries = catalogue()
    for key, english in messages_in_code().items():
        entry = entries.get(PREFIX + key)
        assert entry is not None, f"{PREFIX}{key} is missing from messages.yml"
        assert entry["en"] == english, key
        assert entry["ja"], key


def test_every_content_problem_key_is_used_and_tested() -> None:
    """The catalogue has no key the code does not use, and each key in code has a case above."""
    in_code = set(messages_in_code())
    in_catalogue = {key.removeprefix(PREFIX) for key in catalogue() if key.startswith(PREFIX)}
    cli = {"cli_no_folder", "cli_summary", "cli_ok"}  # bot/cli/content.py, test_content_check_in_japanese
    assert in_catalogue == in_code | cli
    names = {"name", "name_entry", "what_front_matter", "what_curriculum", "what_fact", "what_poll", "what_synonyms"}
    tested = {case.key for case in CASES} | {key for _, key, _ in SAMPLE} | names
    assert in_code - tested == set()
