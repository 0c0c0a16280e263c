"""LangChain chat models for GPT-5.2 through AI/ML API, Oxen.ai and OpenAI-compatible APIs."""

from langchain_gpt52._version import __version__
from langchain_gpt52.budget import BudgetStoreUnavailableError
from langchain_gpt52.chat_models import (
    BaseChatGPT52,
    ChatAIMLAPI,
    ChatGPT52,
    ChatGPT52Failover,
    ChatOxen,
)
from langchain_gpt52.cost import BudgetExceededError, CostTracker, UnpricedCallError, track_cost
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
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RefusalError,
)

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
    "ConflictError",
    "ContextOverflowError",
    "CostTracker",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RefusalError",
    "UnpricedCallError",
    "__version__",
    "track_cost",
]
