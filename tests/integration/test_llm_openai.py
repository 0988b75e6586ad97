"""bot.features.qa.llm through the real ``openai`` client against the local OpenAI-compatible stand-in."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from bot.features.qa.llm import LLMUnavailable, complete, make_llm_client
from tests.conftest import make_settings
from tests.fakes.openai_api import CHAT_MODEL, EMBEDDING_MODEL, FakeOpenAI

MESSAGES = [{"role": "system", "content": "丁寧に答えてください。"}, {"role": "user", "content": "DXとは何ですか？"}]


@pytest.fixture(scope="module")
def fake_openai() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture
def openai_api(fake_openai: FakeOpenAI) -> FakeOpenAI:
    fake_openai.reset()
    return fake_openai


def client_for(api: FakeOpenAI, **kwargs: float):
    settings = make_settings("sqlite://", OPENAI_BASE_URL=api.base_url, OPENAI_API_KEY="sk-test")
    client = make_llm_client(settings, **kwargs)
    assert client is not None
    return client


def test_no_llm_without_key_or_base_url() -> None:
    assert make_llm_client(make_settings("sqlite://", OPENAI_API_KEY=None, OPENAI_BASE_URL=None)) is None


def test_base_url_alone_is_enough_for_local_servers(openai_api: FakeOpenAI) -> None:
    client = make_llm_client(make_settings("sqlite://", OPENAI_API_KEY=None, OPENAI_BASE_URL=openai_api.base_url))
    assert client is not None
    assert complete(client, CHAT_MODEL, MESSAGES) == "テスト用の回答です。"
    assert openai_api.requests_to("/v1/chat/completions")[0].headers["authorization"] == "Bearer not-needed"


def test_complete_sends_the_messages_and_returns_the_answer(openai_api: FakeOpenAI) -> None:
    openai_api.script("DXは業務の進め方そのものを見直すことです。", lambda body: f"{len(body['messages'])}件")
    client = client_for(openai_api)
    assert complete(client, "my-model", MESSAGES) == "DXは業務の進め方そのものを見直すことです。"
    assert complete(client, "my-model", MESSAGES[1:]) == "1件"
    first = openai_api.requests_to("/v1/chat/completions")[0]
    assert first.body["model"] == "my-model" and first.body["messages"] == MESSAGES
    assert first.headers["authorization"] == "Bearer sk-test"


def test_server_error_is_retried_then_succeeds(openai_api: FakeOpenAI) -> None:
    openai_api.fail(500, times=2)
    assert complete(client_for(openai_api, max_retries=2), CHAT_MODEL, MESSAGES) == "テスト用の回答です。"
    assert len(openai_api.requests_to("/v1/chat/completions")) == 3


@pytest.mark.parametrize("status", [500, 503, 429])
def test_persistent_failure_becomes_llm_unavailable_after_retries(openai_api: FakeOpenAI, status: int) -> None:
    openai_api.fail(status, times=3)
    with pytest.raises(LLMUnavailable, match=str(status)):
        complete(client_for(openai_api, max_retries=2), CHAT_MODEL, MESSAGES)
    assert len(openai_api.requests_to("/v1/chat/completions")) == 3


def test_client_error_is_not_retried(openai_api: FakeOpenAI) -> None:
    openai_api.fail(400, times=1)
    with pytest.raises(LLMUnavailable):
        complete(client_for(openai_api, max_retries=2), CHAT_MODEL, MESSAGES)
    assert len(openai_api.requests_to("/v1/chat/completions")) == 1


def test_timeout_becomes_llm_unavailable(openai_api: FakeOpenAI) -> None:
    openai_api.hang(seconds=5, times=2)
    started = time.monotonic()
    with pytest.raises(LLMUnavailable, match="APITimeoutError"):
        complete(client_for(openai_api, timeout=0.3, max_retries=1), CHAT_MODEL, MESSAGES)
    assert time.monotonic() - started < 4
    assert len(openai_api.requests_to("/v1/chat/completions")) == 2


def test_unreachable_server_becomes_llm_unavailable() -> None:
    settings = make_settings("sqlite://", OPENAI_BASE_URL="http://127.0.0.1:9/v1")
    client = make_llm_client(settings, timeout=2, max_retries=0)
    assert client is not None
    with pytest.raises(LLMUnavailable, match="APIConnectionError"):
        complete(client, CHAT_MODEL, MESSAGES)


def test_empty_answer_is_unavailable(openai_api: FakeOpenAI) -> None:
    openai_api.script("   ")
    with pytest.raises(LLMUnavailable, match="empty"):
        complete(client_for(openai_api), CHAT_MODEL, MESSAGES)


def test_embeddings_are_deterministic_and_similar_for_similar_text(openai_api: FakeOpenAI) -> None:
    client = client_for(openai_api)
    texts = ["人口減少とDX", "人口減少とDXの推進", "給食の献立表"]
    first = [item.embedding for item in client.embeddings.create(model=EMBEDDING_MODEL, input=texts).data]
    again = client.embeddings.create(model=EMBEDDING_MODEL, input=texts[0]).data[0].embedding
    assert first[0] == again and len(again) == 64

    def cosine(a: list[float], b: list[float]) -> float:
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert abs(cosine(first[0], first[0]) - 1) < 1e-9
    assert cosine(first[0], first[1]) > cosine(first[0], first[2]) + 0.3


def test_models_are_listed(openai_api: FakeOpenAI) -> None:
    assert {model.id for model in client_for(openai_api).models.list()} == {CHAT_MODEL, EMBEDDING_MODEL}
