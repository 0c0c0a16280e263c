"""A chat model as data a Ray worker can rebuild: LangChain's own serialization, no key.

`ModelSpec.of(llm)` keeps `dumpd(llm)` (class path, model id, base URL, parameters; every
secret written as the name of its environment variable, e.g. `AIMLAPI_API_KEY`) and, unless
`include_keys=False`, the keys themselves in a `Secrets` holder whose repr shows only the
variable names. `spec.build()` runs `langchain_core.load.load` with those keys as `secrets_map`,
falling back to the worker's own environment, and only for this package's classes.

```python
from langchain_gpt52 import ChatAIMLAPI
from langchain_gpt52.ray.model_spec import ModelSpec

spec = ModelSpec.of(ChatAIMLAPI(max_tokens=200), include_keys=False)
llm = spec.build()  # on a worker: the key comes from AIMLAPI_API_KEY there
```
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.load import dumpd, load
from langchain_core.load.serializable import Serializable
from pydantic import SecretStr

__all__ = ["ModelSpec", "Secrets"]

_NAMESPACE = "langchain_gpt52"


class Secrets:
    """API keys by environment-variable name; the repr and `str` show the names only."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        self._values = dict(values or {})

    def __repr__(self) -> str:
        return f"Secrets({', '.join(f'{name}=***' for name in sorted(self._values))})"

    __str__ = __repr__

    def names(self) -> list[str]:
        """The variable names held."""
        return sorted(self._values)

    def as_map(self) -> dict[str, str]:
        """The keys by variable name (for `load(secrets_map=...)`)."""
        return dict(self._values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secrets) and other._values == self._values

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._values)))


def _chat_classes() -> list[type[Serializable]]:
    """The classes a spec may rebuild: this package's chat models, nothing else."""
    import langchain_gpt52

    return [
        langchain_gpt52.ChatAIMLAPI,
        langchain_gpt52.ChatOxen,
        langchain_gpt52.ChatGPT52,
        langchain_gpt52.ChatGPT52Failover,
    ]


def _serializable_children(obj: Serializable) -> Iterator[Serializable]:
    """The serializable objects held in `obj`'s fields (members of a failover model)."""
    for name in type(obj).model_fields:
        value = getattr(obj, name, None)
        items = value if isinstance(value, (list, tuple)) else [value]
        for item in items:
            if isinstance(item, Serializable):
                yield item


def _keys_of(obj: Serializable, found: dict[str, str]) -> None:
    """Collect `obj`'s secrets (and its members') into `found`, by environment-variable name."""
    for attr, env_name in obj.lc_secrets.items():
        value = getattr(obj, attr, None)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if not value:
            continue
        if found.get(env_name, value) != value:
            raise ValueError(
                f"Two members of this model hold different keys for {env_name}; a Ray worker "
                "can receive one key per variable. Give them the same key or one gateway each."
            )
        found[env_name] = str(value)
    for child in _serializable_children(obj):
        _keys_of(child, found)


def _secret_names(node: Any) -> Iterator[str]:
    """The environment-variable names of the secrets in a `dumpd` tree."""
    if isinstance(node, dict):
        if node.get("lc") == 1 and node.get("type") == "secret":
            yield from node.get("id", [])
            return
        for value in node.values():
            yield from _secret_names(value)
    elif isinstance(node, list):
        for value in node:
            yield from _secret_names(value)


@dataclass(frozen=True)
class ModelSpec:
    """A chat model of this package as plain data (`dumpd`) plus its keys, held apart."""

    serialized: dict[str, Any]
    """`langchain_core.load.dumpd(model)`: class, model id, base URL, parameters, no key."""
    secrets: Secrets = field(default_factory=Secrets)
    """Keys sent to the workers with the spec; empty: each worker reads its environment."""

    @classmethod
    def of(cls, model: BaseChatModel | ModelSpec, *, include_keys: bool = True) -> ModelSpec:
        """Describe `model`; with `include_keys=False` the workers must have the keys set."""
        if isinstance(model, ModelSpec):
            return model if include_keys else cls(model.serialized)
        if not isinstance(model, BaseChatModel):
            raise TypeError(
                f"model must be a chat model of langchain_gpt52 (ChatAIMLAPI, ChatOxen, "
                f"ChatGPT52, ...), got {type(model).__name__}"
            )
        serialized = dumpd(model)
        lc_id = serialized.get("id") or []
        if serialized.get("type") != "constructor" or lc_id[:1] != [_NAMESPACE]:
            raise TypeError(
                f"{type(model).__name__} cannot be described for Ray workers: LangChain "
                f"cannot serialize it (dumpd gave type {serialized.get('type')!r}); use "
                "ChatAIMLAPI, ChatOxen or ChatGPT52 (or a failover model of them, where "
                "serializable)"
            )
        keys: dict[str, str] = {}
        if include_keys:
            _keys_of(model, keys)
        return cls(serialized, Secrets(keys))

    @property
    def class_name(self) -> str:
        """The model's class, e.g. `ChatAIMLAPI`."""
        return str(self.serialized["id"][-1])

    def key_names(self) -> list[str]:
        """The environment variables the rebuilt model reads its keys from."""
        return sorted(set(_secret_names(self.serialized)))

    def missing_keys(self, environ: Mapping[str, str] | None = None) -> list[str]:
        """Key variables neither held here nor set in `environ` (default: `os.environ`)."""
        env = os.environ if environ is None else environ
        held = self.secrets.as_map()
        return [name for name in self.key_names() if not (held.get(name) or env.get(name))]

    def build(self) -> BaseChatModel:
        """The model, rebuilt here; keys from `secrets`, else this process's environment."""
        missing = self.missing_keys()
        if missing:
            raise ValueError(
                f"No API key for {self.class_name} on this worker: set {', '.join(missing)} in "
                "the worker's environment (e.g. ray.init(runtime_env={'env_vars': {...}}) or "
                "the cluster's env) or describe the model with include_keys=True"
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # `load` is marked beta
            model = load(
                self.serialized,
                secrets_map=self.secrets.as_map(),
                secrets_from_env=True,
                valid_namespaces=[_NAMESPACE],
                allowed_objects=_chat_classes(),
            )
        if not isinstance(model, BaseChatModel):
            raise TypeError(f"{self.class_name} did not rebuild as a chat model")
        return model
