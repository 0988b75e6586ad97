"""Japanese text helpers shared by features: normalisation, character bigrams and index terms.

No dictionary and no extra service: NFKC folds full-width/half-width forms (ＤＸ → DX, ｶﾀｶﾅ → カタカナ), and
overlapping character bigrams make any two-character term (人口, 会議) findable without a morphological analyser.
Runs of letters/digits (DX, AI, 2035, e-mail parts) stay whole words instead, so "dx" is one term, not "d"+"x".
"""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
# Latin letters and digits (after NFKC): one term per run.
_WORD = re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*")
# Kanji, hiragana, katakana (incl. ー) and the iteration marks 々〆: one Japanese run.
_JAPANESE = (
    "\u3005\u3006"  # 々 〆
    "\u3041-\u309f"  # hiragana
    "\u30a0-\u30ff"  # katakana (incl. ー, ヵ, ヶ)
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\U00020000-\U0002fa1f"  # CJK extensions B–F and compatibility supplement
)
# A Japanese run or a word; anything else (punctuation, symbols, spaces) separates runs.
_RUN = re.compile(f"([{_JAPANESE}]+)|({_WORD.pattern})")


# Old character forms (旧字体) still found in names and older documents, folded to the current ones.
_OLD_FORMS = str.maketrans(
    "國學會體條號證區舊關應濱邊邉齋齊髙德兒團圖實廣澤惠櫻縣臺與萬辯辨禮壽龍黑發氣戰藝醫驛廳聽擔當稱轉傳賣讀續變歸榮營勞據擧豐"
    "險驗檢圓淺拂廢缺收敎將乘藏眞獨樂亞惡壓圍爲",
    "国学会体条号証区旧関応浜辺辺斎斉高徳児団図実広沢恵桜県台与万弁弁礼寿竜黒発気戦芸医駅庁聴担当称転伝売読続変帰栄営労拠挙豊"
    "険験検円浅払廃欠収教将乗蔵真独楽亜悪圧囲為",
)


def normalize(text: str) -> str:
    """NFKC, lower case, old character forms folded (國 → 国), one space for any run of whitespace, trimmed.
    (Okurigana variants such as 申し込み/申込 are left to the Q&A synonym list: dropping okurigana between kanji
    made verbs such as 引き取る into content words and did not pay on the benchmarks.)"""
    folded = unicodedata.normalize("NFKC", text or "").lower().translate(_OLD_FORMS)
    return _SPACE.sub(" ", folded).strip()


def is_kana_only(text: str) -> bool:
    """True when ``text`` is all hiragana (particles and okurigana carry little meaning alone)."""
    return all(0x3041 <= ord(c) <= 0x309F for c in text)


def bigrams(text: str) -> list[str]:
    """Overlapping character bigrams of the normalised text, spaces removed ("人口減少" → 人口, 口減, 減少).

    A one-character text gives itself; an empty one gives nothing.
    """
    compact = normalize(text).replace(" ", "")
    if len(compact) < 2:
        return [compact] if compact else []
    return [compact[i : i + 2] for i in range(len(compact) - 1)]


def runs(text: str) -> list[tuple[str, str]]:
    """Split normalised text into ("ja", run) and ("word", run) pieces; punctuation and spaces separate runs."""
    return [("ja", m[1]) if m[1] else ("word", m[2]) for m in _RUN.finditer(normalize(text))]


def terms(text: str) -> list[str]:
    """Index terms, in order with repeats: words whole, Japanese runs as character bigrams.

    A Japanese run of one character (e.g. 市 between punctuation) is kept as a unigram so it is not lost.
    Terms never contain spaces, so they can be joined with " " for a whitespace tokenizer (FTS5, tsvector).
    """
    out: list[str] = []
    for kind, piece in runs(text):
        if kind == "word" or len(piece) == 1:
            out.append(piece)
        else:
            out.extend(piece[i : i + 2] for i in range(len(piece) - 1))
    return out


def unigrams(text: str) -> list[str]:
    """Single kanji and katakana characters (not hiragana), in order: a weak signal that helps recall."""
    return [char for kind, piece in runs(text) if kind == "ja" for char in piece if not is_kana_only(char)]


_COMPOUND = re.compile(r"(?=([\u4e00-\u9fff][いきぎしじちひびみりえけげせべめれ][\u4e00-\u9fff]))")


def compounds(text: str) -> list[str]:
    """Kanji pairs joined by one okurigana of a noun-forming stem (持ち物 → 持物, 振り込み → 振込, 受け取り →
    受取): the word a bigram misses, so a question's 持ち物 is not taken as found where only 物 is."""
    return [m[0] + m[2] for m in _COMPOUND.findall(normalize(text).replace(" ", ""))]


def query_terms(text: str) -> list[str]:
    """Distinct terms of a query, in first-seen order."""
    return list(dict.fromkeys(terms(text)))


def sentences(text: str) -> list[str]:
    """Split text into sentences at 。！？!? and line breaks; empty pieces dropped."""
    parts = re.split(r"(?<=[。！？!?])|\n+", text or "")
    return [p.strip() for p in parts if p and p.strip()]


def coverage(query: str, text: str) -> float:
    """Share (0–1) of the query's distinct terms found in ``text``."""
    wanted = set(query_terms(query))
    if not wanted:
        return 0.0
    return len(wanted & set(terms(text))) / len(wanted)
