"""Choosing what the extractive answer quotes: the sentences and notice lines that answer the question.

A sentence scores by the question's content words it holds, the words its passage's heading path, title and
FAQ question hold (a notice's 「定員：20組」 has its topic in the heading above it), and whether it holds the
kind of fact the question asks for — an amount (いくら → 円), a count (何人 → 人), a date or deadline (いつ,
締め切り → 月日, まで), a period (何日, 何年 → 日, 年, 以内), a time of day, a place (どこ → 階, 課, 窓口), a
contact (連絡先 → 内線, 電話), a person (誰 → 長, 者) or a yes/no rule (〜てもよいですか → できる, 禁止, 不要).
A question line of a FAQ is never quoted as an answer; a table row or a labelled notice line is one sentence,
quoted whole with its label.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from bot.common import japanese
from bot.features.qa import synonyms
from bot.features.qa.index import Hit

# (answer type, what in a question asks for it, what in a sentence holds it); after NFKC.
_NUMBER = r"[0-9０-９一二三四五六七八九十百千万,，.]+"
ANSWER_TYPES: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (name, re.compile(ask), re.compile(hold))
    for name, ask, hold in (
        (
            "amount",
            r"いくら|何円|金額|料金|費用|手数料|使用料|上限|補助額|負担額|値段|無料|有料",
            rf"{_NUMBER}\s*(?:万|千)?円|無料|かかりません|負担はありません|不要",
        ),
        (
            "count",
            r"何(?:件|人|名|枚|組|台|回|個|通|か所|箇所|部|冊|点|手続)|定員|先着|何%|何パーセント|割合|何割",
            rf"{_NUMBER}\s*(?:件|人|名|枚|組|台|回|個|通|か所|箇所|部|冊|点|手続|%)|先着|定員",
        ),
        (
            "date",
            r"いつ|何月|何日(?!間)|締め?切り?|締切|期限|期日|何曜|曜日|開始日",
            rf"{_NUMBER}\s*月\s*{_NUMBER}\s*日|{_NUMBER}\s*[月年](?!間)|まで|以内|前日|翌日|当日|即日|曜日|毎年|毎月|毎週|年度末"
            r"|世紀|時代|年代",
        ),
        (
            "period",
            r"何(?:日|年|か月|ヶ月|カ月|週|時間|分|営業日)|どのくらい|どれくらい|期間|有効期|いつまで|保存",
            rf"{_NUMBER}\s*(?:日|年|か月|ヶ月|カ月|週|時間|分|営業日)|永年|以内|まで",
        ),
        ("time", r"何時|時間帯|受付時間|開館時間", rf"{_NUMBER}\s*時|正午"),
        ("place", r"どこ|場所|会場|窓口|何階|どちら", r"場所|会場|[0-9０-９]+\s*階|窓口|課|室|館|庁舎|センター|施設"),
        ("contact", r"連絡先|問い?合わ?せ|誰に|どこに(?:連絡|相談|頼|依頼)|頼め", r"内線|電話|課|係|窓口|提出|依頼"),
        ("who", r"誰|だれ|どなた|決裁権者|対象者|どんな人", r"長|者|職員|課|係|全員"),
        (
            "rule",
            r"てもいい|てもよい|でもいい|でもよい|ていい|てよい|でよい|できますか|できる\?|必要ですか|ok|可能|大丈夫|だめ|ダメ|いけない"
            r"|いりますか|要りますか|対象になりますか|対象ですか",
            r"できる|できない|できます|できません|禁止|してはならない|してはいけません|ない(?:こと|で)|不要|必要|要しない"
            r"|対象外|対象と|限り|ならない|可|不可|しない|てください|しなければ|ものとする|原則",
        ),
    )
)
_ASKED_COUNTER = re.compile(r"何([\u4e00-\u9fff\u30a0-\u30ff%][\u4e00-\u9fff]?)")
COUNTERS = frozenset("件人名枚組台回個通部冊点日年月週時分秒歳円割%階倍度条項号本社校店軒棟戸票字文泊杯")
# The kinds whose lines the patterns find reliably: a sentence without one does not answer (a place or a person
# may be any name: 東京, 田中さん).
NUMERIC = frozenset({"amount", "count", "date", "period", "time", "place"})
# What else answers 何<counter>: 何日かかる → 3営業日, 2週間; 何人 → 1名; 何分 → 1時間.
_SAME_COUNTER = {"日": "(?:営業)?日|週|か月", "人": "[人名]", "名": "[人名]", "分": "分|時間", "年": "年|か月"}
_QUESTION_LINE = re.compile(r"^(?:Q\s*[.:．：]|Q\d*\s|問\s*[0-9０-９]*\s*[.:．：]|質問\s*[:：])", re.IGNORECASE)
# A sentence ends at 。！？ outside brackets (「以下「職員」という。）」 does not end one), or at a line break.
_OPEN, _CLOSE = "（(「『【", "）)」』】"


LIST_ITEMS = 8  # of the list a quoted sentence introduces
# A bulleted or numbered line: "- " (also HTML and DOCX items, see extract.BULLET), "・", "1.", "(1)", "①", and
# the 号 of a rule ("一　…") or its katakana items ("ア　…").
_LIST_ITEM = re.compile(
    r"(?:[-*+・•●○■□]|\d{1,2}[.)．）](?!\d)|[(（]\d{1,2}[)）]|[①-⑳]|[(（][ア-ト][)）])\s*\S"
    r"|(?:[一二三四五六七八九十]{1,3}|[アイウエオカキクケコサシスセソタチツテト])[ \u3000]+\S"
)


@dataclass
class Candidate:
    """A sentence of a passage (``rank`` among the hits, ``order`` within it), its score, and the list items
    it introduces (quoted with it)."""

    rank: int
    order: int
    sentence: str
    score: float
    items: list[str]
    typed: bool = False  # holds the kind of fact asked for, of the :data:`NUMERIC` kinds
    held: float = 1.0  # share of the question's distinctive words in it, its heading path, title or FAQ question
    subject: float = 1.0  # share of the question's subject (see :func:`subject`) in the same


WORDS = 1.0  # share of the question's words in the sentence
CONTEXT = 0.6  # share in the sentence with its passage's heading path, title and FAQ question
TYPE = 0.5  # the sentence holds the kind of fact asked for
QUESTION_PENALTY = 0.5  # a question line of a FAQ asks, it does not answer
RANK = 0.04  # per passage rank below the first
OTHERS = 0.8  # further sentences are quoted when they score at least this share of the best


def answer_types(question: str, kinds: frozenset[str] | None = None) -> list[re.Pattern[str]]:
    """What a sentence must hold to be the kind of fact ``question`` asks for (empty: no particular kind), of
    ``kinds`` (default: all). Besides the kinds above, 何 before a counter (何文字, 何日分, 何冊) asks for a
    number with that counter (何語, 何県 ask for no number)."""
    text = compact(question)
    counters = [c[0] for c in _ASKED_COUNTER.findall(text) if c[0] in COUNTERS]
    if counters:  # 何分 asks for minutes: 3か月 is not an answer
        text = _ASKED_COUNTER.sub("", text)
    holds = [hold for name, ask, hold in ANSWER_TYPES if ask.search(text) and (kinds is None or name in kinds)]
    for counter in counters:
        unit = _SAME_COUNTER.get(counter, re.escape(counter))
        holds.append(re.compile(rf"{_NUMBER}\s*(?:{unit})"))
    return holds


def sentences(line: str) -> list[str]:
    """``line`` split into sentences at 。！？!? outside brackets."""
    out, depth, start = [], 0, 0
    for i, char in enumerate(line):
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth = max(0, depth - 1)
        elif char in "。！？!?" and depth == 0:
            out.append(line[start : i + 1])
            start = i + 1
    out.append(line[start:])
    return [piece.strip() for piece in out if piece.strip()]


def candidates(question: str, hits: list[Hit], context: str = "", synonyms_file: Path | None = None) -> list[Candidate]:
    """Every sentence of ``hits`` scored, best first.

    The question counts by its words (runs of kanji, katakana or latin; a word partly found counts in part),
    each weighed by how few of the candidate sentences hold it: a word every sentence of a rule shares, such
    as its topic テレワーク, tells none of them apart; 介護 does. A thread's earlier question (``context``)
    counts a third. A sentence that holds none of the question's words counts only when it holds the kind of
    fact asked for and its heading (or FAQ question) names the question's words — a notice's 「定員：20組」
    under 「■ 親子工作教室」; a document's title alone does not make its every line an answer.
    ``synonyms_file``: the synonyms list (default: the bundled content's)."""
    pool = [(rank, hit, order, unit) for rank, hit in enumerate(hits) for order, unit in enumerate(units(hit.text))]
    found_synonyms = synonyms.matches(question, synonyms_file)
    texts = [synonyms.augment(compact(unit[0]), found_synonyms) for _, _, _, unit in pool]
    words = _words(question) + [(grams, weight / 3) for grams, weight in _words(context)]
    n = len(pool) or 1
    weighted = [
        (grams, weight * math.log(1 + n / (1 + sum(_found(grams, text) >= 0.5 for text in texts))))
        for grams, weight in words
    ]
    total = sum(weight for _, weight in weighted) or 1.0
    types = answer_types(question)
    numeric_types = answer_types(question, NUMERIC)
    # The question's own words (not the thread's) that do not ask for the kind of fact: what it is about.
    distinctive = [(grams, weight) for grams, weight in weighted[: len(_words(question))] if _asks_none(grams)]
    distinct_total = sum(weight for _, weight in distinctive) or 1.0
    asked_about = subject(question)
    subject_grams = tuple(asked_about[i : i + 2] for i in range(len(asked_about) - 1))

    def share(text: str) -> float:
        return sum(weight * _found(grams, text) for grams, weight in weighted) / total

    out = []
    asked = ""  # the FAQ question above the current line
    for (rank, hit, order, (sentence, items, is_question)), own in zip(pool, texts, strict=True):
        if order == 0:
            asked = ""
        if is_question:
            asked = own
        around = synonyms.augment(compact(f"{hit.title}\n{hit.section}"), found_synonyms) + "\n" + asked
        found = share(own)
        typed = any(hold.search(own) for hold in types)
        if not found and not (typed and share(synonyms.augment(compact(hit.section), found_synonyms) + asked)):
            continue
        score = WORDS * found + CONTEXT * share(f"{own}\n{around}") + TYPE * typed - RANK * rank
        if is_question or sentence.endswith(("か。", "か？", "?")):
            score -= QUESTION_PENALTY
        held = sum(weight * _found(grams, f"{own}\n{around}") for grams, weight in distinctive) / distinct_total
        numeric = any(hold.search(own) for hold in numeric_types)
        about = _found(subject_grams, f"{own}\n{around}") if subject_grams else 1.0
        out.append(Candidate(rank, order, sentence, score, items, numeric, held, about))
    out.sort(key=lambda c: (-c.score, c.rank, c.order))
    return out


def _asks_none(grams: tuple[str, ...]) -> bool:
    """Whether a question word is content, not a word that asks for a kind of fact (料金, 場所, 期限: the
    answer holds the fact, not the word)."""
    word = grams[0] + "".join(gram[1:] for gram in grams[1:])
    return len(word) > 1 and not any(ask.search(word) for _, ask, _ in ANSWER_TYPES)


_SUBJECT = re.compile(r"([\u30a0-\u30ff\u4e00-\u9fff]{2,})[はが]")


def subject(question: str) -> str:
    """What the question asks about: the word before its first は or が (受診券 in 「特定健診の受診券はいつ届きます
    か」), unless that word asks for the kind of fact (料金, 定員); else ""."""
    match = _SUBJECT.search(compact(question))
    word = match.group(1) if match else ""
    return word if word and _asks_none((word,)) else ""


def compact(text: str) -> str:
    """``text`` normalised (see :func:`japanese.normalize`) without spaces, as sentences are compared."""
    return japanese.normalize(text).replace(" ", "")


def _words(question: str) -> list[tuple[tuple[str, ...], float]]:
    """The question's words as their bigrams, with a weight: kanji/katakana runs (the question kanji 何 and 誰
    taken out) and latin words 1, a single kanji ½; when it has none, its other bigrams 0.3."""
    out: list[tuple[tuple[str, ...], float]] = []
    for kind, piece in japanese.runs(question):
        if kind == "word":
            out.append(((piece,), 1.0))
            continue
        for run in re.findall(r"[^\u3041-\u309f何誰]+", piece):
            grams = tuple(run[i : i + 2] for i in range(len(run) - 1)) or (run,)
            out.append((grams, 1.0 if len(run) > 1 else 0.5))
    if not out:
        out = [((term,), 0.3) for term in japanese.query_terms(question)]
    return out


def _found(grams: tuple[str, ...], text: str) -> float:
    """The share of a word's bigrams found in ``text`` (latin words only whole: "ai" is not in "email")."""
    if len(grams) == 1 and grams[0].isascii():
        return 1.0 if re.search(rf"(?<![a-z0-9]){re.escape(grams[0])}(?![a-z0-9])", text) else 0.0
    return sum(gram in text for gram in grams) / len(grams)


def units(text: str) -> list[tuple[str, list[str], bool]]:
    """The sentences of a passage in order, each with the list it introduces (the bulleted or numbered lines
    right after the line it ends, at most :data:`LIST_ITEMS`) and whether it is on a FAQ's question line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    out: list[tuple[str, list[str], bool]] = []
    for i, line in enumerate(lines):
        items: list[str] = []
        if not _LIST_ITEM.match(line):
            for following in lines[i + 1 :]:
                if not _LIST_ITEM.match(following) or len(items) == LIST_ITEMS:
                    break
                items.append(following)
        question = bool(_QUESTION_LINE.match(line))
        pieces = sentences(line)
        out.extend((piece, items if n == len(pieces) - 1 else [], question) for n, piece in enumerate(pieces))
    return out


def best_share(question: str, chosen: list[Candidate]) -> float:
    """How well the best quoted sentence answers (0–1): its score over the most a sentence can score for
    this question (its words, its context, and the kind of fact asked for when one is)."""
    if not chosen:
        return 0.0
    most = WORDS + CONTEXT + (TYPE if answer_types(question) else 0.0)
    return max(0.0, min(1.0, max(c.score for c in chosen) / most))


def choose(
    question: str, hits: list[Hit], limit: int, context: str = "", synonyms_file: Path | None = None
) -> list[Candidate]:
    """The best sentence, and up to ``limit`` − 1 more that score nearly as well; in reading order."""
    ranked = [c for c in candidates(question, hits, context, synonyms_file) if c.score > 0]
    if not ranked:
        return []
    best = ranked[0].score
    chosen = [c for c in ranked[:limit] if c.score >= OTHERS * best]
    return sorted(chosen, key=lambda c: (c.rank, c.order))
