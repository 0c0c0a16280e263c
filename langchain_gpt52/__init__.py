"""LangChain chat models for GPT-5.2 through AI/ML API, Oxen.ai and OpenAI-compatible APIs."""

from langchain_gpt52._version import __version__
from langchain_gpt52.chat_models import (
    BaseChatGPT52,
    ChatAIMLAPI,
    ChatGPT52,
    ChatGPT52Failover,
    ChatOxen,
)
from langchain_gpt52.chat_models.failover import CircuitBreaker
from langchain_gpt52.cost import BudgetExceededError, CostTracker, ModelCost, track_cost
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
    "__version__",
    "track_cost",
]
