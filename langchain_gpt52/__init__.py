"""LangChain chat models for GPT-5.2 through AI/ML API, Oxen.ai and OpenAI-compatible APIs."""

from typing import TYPE_CHECKING, Any

from langchain_gpt52._version import __version__
from langchain_gpt52.budget import BudgetStoreUnavailableError
from langchain_gpt52.chat_models import (
    BaseChatGPT52,
    ChatAIMLAPI,
    ChatGPT52,
    ChatOxen,
)
from langchain_gpt52.cost import (
    BudgetExceededError,
    CostTracker,
    ModelCost,
    UnpricedCallError,
    track_cost,
)
from langchain_gpt52.errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ContextOverflowError,
    CutReplyError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RefusalError,
)
from langchain_gpt52.model_details import ModelDetails

if TYPE_CHECKING:
    from langchain_gpt52.chat_models.failover import ChatGPT52Failover, CircuitBreaker

_LAZY = {
    "ChatGPT52Failover": "langchain_gpt52.chat_models.failover",
    "CircuitBreaker": "langchain_gpt52.chat_models.failover",
}
"""Exports imported on first use (module -> where it lives), to keep `import` quick."""


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'langchain_gpt52' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BaseChatGPT52",
    "BudgetExceededError",
    "BudgetStoreUnavailableError",
    "ChatAIMLAPI",
    "ChatGPT52",
    "ChatGPT52Failover",
    "ChatOxen",
    "CircuitBreaker",
    "ConflictError",
    "ContextOverflowError",
    "CostTracker",
    "CutReplyError",
    "InternalServerError",
    "ModelCost",
    "ModelDetails",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RefusalError",
    "UnpricedCallError",
    "__version__",
    "track_cost",
]
