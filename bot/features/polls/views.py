"""Replies for polls: the poll message (DM), the reminder, confirmations, the text form and the results.

Confirmations never repeat an answer: a reply can end up in the outbox next to a user id (when Slack is slow),
and an anonymous answer must never be stored that way.
"""

from __future__ import annotations

from bot.chat.i18n import t
from bot.chat.markup import literal, person
from bot.chat.reply import Button, Form, Image, Input, Reply, Section
from bot.common.charts import stacked_bar_chart
from bot.common.text import day_text, truncate
from bot.features.polls.actions import PollAnswer, PollShow, PollText
from bot.features.polls.models import Answered, RunState
from bot.features.polls.results import NO_GROUP, QuestionResult, RunResults
from bot.features.polls.templates import COMMENT_LIMIT, PollTemplate, Question

COMMENT_INPUT = "comment"
MAX_COMMENTS_SHOWN = 30
MAX_COMMENT_SHOWN = 500
CHART_LABEL = 22


def _question_text(index: int, question: Question, lang: str) -> str:
    text = f"**Q{index}.** {literal(question.text)}"
    if question.type == "text" or question.breakdown:
        text += t("poll.optional", lang)
    if question.type == "enps":
        text += "\n" + t("poll.enps_hint", lang)
    return text


def _buttons(run_id: int, question: Question, lang: str) -> list[Button]:
    def button(label: str, answer: str = "") -> Button:
        action = PollAnswer(run=run_id, question=question.id, answer=answer)
        return action.button(label, opens_form=question.type == "text")  # a text answer is written in a form

    if question.type == "likert5":
        labels = t("poll.likert_labels", lang).split(",")
        return [button(f"{v} {labels[v - 1]}", str(v)) for v in range(1, 6)]
    if question.type == "enps":
        return [button(str(v), str(v)) for v in range(11)]
    if question.type == "choice":
        return [button(label, option) for option, label in question.options]
    return [button(t("poll.write_comment", lang))]


def question_sections(run_id: int, template: PollTemplate, lang: str) -> list[Section]:
    return [
        Section(text=_question_text(index, question, lang), buttons=_buttons(run_id, question, lang))
        for index, question in enumerate(template.questions, 1)
    ]


def privacy_note(anonymous: bool, lang: str) -> str:
    return t("poll.privacy_anonymous" if anonymous else "poll.privacy_named", lang)


def poll_message(run, lang: str, reminder: bool = False) -> Reply:
    """The poll as a DM: intro, what is stored, deadline, then each question with its buttons."""
    template = PollTemplate.from_spec(run.spec)
    deadline = day_text(run.closes_on, "short_weekday", lang)
    kind = t("poll.kind_anonymous" if run.anonymous else "poll.kind_named", lang)
    head = t("poll.reminder_head" if reminder else "poll.head", lang, title=literal(run.title), kind=kind)
    lines = [f"**{head}**", literal(template.intro) if template.intro else "", t("poll.deadline", lang, day=deadline)]
    sections = [
        Section(text="\n".join(line for line in lines if line)),
        Section(text=privacy_note(run.anonymous, lang)),
    ]
    text = t("poll.reminder_text" if reminder else "poll.dm_text", lang, title=literal(run.title), day=deadline)
    return Reply(text=text, sections=sections + question_sections(run.id, template, lang), ephemeral=False)


def reminder_message(run, lang: str) -> Reply:
    return poll_message(run, lang, reminder=True)


def answered_reply(outcome: Answered, lang: str) -> Reply:
    key = "poll.answered_all" if outcome.answered >= outcome.total else "poll.answered"
    day = day_text(outcome.closes_on, "short_weekday", lang)
    text = t(key, lang, answered=outcome.answered, total=outcome.total, day=day)
    button = PollShow().button(t("poll.show_button", lang))
    return Reply(text=text, sections=[Section(text=text, buttons=[button])])


def text_form(run, question: Question, initial: str, lang: str) -> Form:
    return PollText(run=run.id, question=question.id).form(
        title=t("poll.form_title", lang),
        submit_label=t("poll.form_submit", lang),
        intro=f"**{literal(run.title)}**\n{privacy_note(run.anonymous, lang)}",
        inputs=[
            Input(
                name=COMMENT_INPUT,
                label=question.text,
                kind="multiline",
                optional=True,
                max_length=COMMENT_LIMIT,
                initial=initial,
                hint=t("poll.form_hint", lang, limit=COMMENT_LIMIT),
            )
        ],
    )


# -- results ---------------------------------------------------------------------------------------------------
def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"  # None: nobody answered (a named poll shows it anyway)


def _change(result: QuestionResult, lang: str) -> str:
    if result.previous is None or result.score is None:
        return ""
    delta = result.score - result.previous
    shown = f"{delta:+.0f}" if result.question.type == "enps" else f"{delta:+.1f}"
    return t("poll.results.change", lang, delta=shown)


def _score_line(index: int, result: QuestionResult, lang: str) -> str:
    head = f"**Q{index}.** {literal(result.question.text)}"
    if result.distribution is None:
        return f"{head}\n{t('poll.results.hidden_question', lang, n=result.n)}"
    if result.question.type == "enps":
        shares = _enps_shares(result)
        score = "-" if result.enps is None else f"{result.enps:+d}"
        body = t("poll.results.enps", lang, enps=score, mean=_number(result.mean), n=result.n, **shares)
    else:
        body = t("poll.results.mean", lang, mean=_number(result.mean), n=result.n)
    return f"{head}\n{body}{_change(result, lang)}"


def _enps_shares(result: QuestionResult) -> dict[str, int]:
    counts = {int(k): v or 0 for k, v in (result.distribution or {}).items()}
    total = sum(counts.values()) or 1
    share = lambda low, high: round(100 * sum(counts[v] for v in range(low, high + 1)) / total)  # noqa: E731
    return {"promoters": share(9, 10), "passives": share(7, 8), "detractors": share(0, 6)}


def _choice_line(index: int, result: QuestionResult, lang: str) -> str:
    head = f"**Q{index}.** {literal(result.question.text)}"
    if result.distribution is None:
        return f"{head}\n{t('poll.results.hidden_question', lang, n=result.n)}"
    hidden = t("poll.results.group_hidden", lang)
    parts = [
        f"{literal(result.question.label(value))} {hidden if count is None else t('poll.results.count', lang, n=count)}"
        for value, count in result.distribution.items()
    ]
    return f"{head}\n" + "、".join(parts or [t("poll.results.none", lang)])


def _comments_line(index: int, result: QuestionResult, lang: str) -> str:
    head = f"**Q{index}.** {literal(result.question.text)}"
    if result.comments is None:
        return f"{head}\n{t('poll.results.hidden_comments', lang, n=result.n)}"
    shown = result.comments[:MAX_COMMENTS_SHOWN]
    lines = [f"• {literal(c if len(c) <= MAX_COMMENT_SHOWN else c[: MAX_COMMENT_SHOWN - 1] + '…')}" for c in shown]
    if len(result.comments) > len(shown):
        lines.append(t("poll.results.more_comments", lang, n=len(result.comments) - len(shown)))
    return f"{head}（{t('poll.results.count', lang, n=result.n)}）\n" + "\n".join(lines or ["—"])


def results_message(results: RunResults, lang: str, admin: bool = False) -> Reply:
    """The results as posted to the poll channel; ``admin`` adds the per-group breakdown (and, for named polls,
    who answered)."""
    run = results.run
    title = t("poll.results.title", lang, title=literal(run.title), number=results.number)
    period = f"{day_text(run.opened_on, 'short_weekday', lang)}〜{day_text(run.closes_on, 'short_weekday', lang)}"
    rate = f"{round(100 * results.rate)}%" if results.rate is not None else "—"
    state = "" if run.state == RunState.CLOSED else t("poll.results.interim", lang)
    summary = t(
        "poll.results.summary", lang, period=period, rate=rate, responses=results.responses, recipients=run.recipients
    )
    sections = [Section(text=f"**{title}**{state}\n{summary}")]
    if results.hidden:
        sections.append(Section(text=t("poll.results.hidden_all", lang, n=results.responses)))
    lines = []
    for index, result in enumerate(results.questions, 1):
        if result.question.scored:
            lines.append(_score_line(index, result, lang))
        elif result.question.type == "choice":
            lines.append(_choice_line(index, result, lang))
        else:
            lines.append(_comments_line(index, result, lang))
        if admin and result.breakdown:
            lines.append(_breakdown_lines(result, lang))
    sections += [Section(text=line) for line in lines]
    if admin and results.respondents is not None:
        names = "、".join(person(user) for user in results.respondents) or "—"
        sections.append(Section(text=t("poll.results.respondents", lang, names=names)))
    sections.append(
        Section(text=t("poll.results.footer_anonymous" if run.anonymous else "poll.results.footer_named", lang))
    )
    return Reply(text=title, sections=sections, image=_chart(results, lang), ephemeral=admin)


def _breakdown_lines(result: QuestionResult, lang: str) -> str:
    lines = [t("poll.results.breakdown_head", lang)]
    for key, group in (result.breakdown or {}).items():
        label = literal(group.label) if key != NO_GROUP else t("poll.results.no_group", lang)
        if result.question.type == "text":
            value = t("poll.results.count", lang, n=group.n) if group.comments is not None else None
        elif group.mean is not None:
            value = f"eNPS {group.enps:+d}" if result.question.type == "enps" else _number(group.mean)
            value += f"（{t('poll.results.count', lang, n=group.n)}）"
        else:
            value = None
        lines.append(f"　{label}: {value or t('poll.results.group_hidden_n', lang, n=group.n)}")
    return "\n".join(lines)


def _chart(results: RunResults, lang: str) -> Image | None:
    """A 100% stacked bar per visible likert question; None when there is nothing to draw."""
    rows = [
        (index, result, result.distribution)
        for index, result in enumerate(results.questions, 1)
        if result.question.type == "likert5" and result.distribution is not None
    ]
    if not rows:
        return None
    labels = t("poll.likert_labels", lang).split(",")
    segments = {}
    for value in range(1, 6):
        segments[labels[value - 1]] = [
            100 * (distribution[str(value)] or 0) / max(result.n, 1) for _, result, distribution in rows
        ]
    names = [f"Q{index} {truncate(result.question.text, CHART_LABEL)}" for index, result, _ in rows]
    title = t("poll.results.title", lang, title=results.run.title, number=results.number)
    note = t("poll.results.chart_note", lang, responses=results.responses)
    data = stacked_bar_chart(title, names, segments, note=note)
    alt = "; ".join(f"{name}: {_number(result.mean)}" for name, (_, result, _) in zip(names, rows, strict=True))
    return Image(title=title, alt_text=alt, filename=f"poll-{results.run.id}.png", data=data)
